import { UsageError } from '../../harness/model/errors.js';
import { randomBytes } from 'node:crypto';
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { appendPayload } from '../../harness/image/payload.js';
import { InfraError } from '../../harness/model/errors.js';
import type { KernelImage, PayloadFile } from '../platform.js';

export interface Staged {
  kernel: { name: string; bytes: number };
  initrd: { name: string; bytes: number };
  paths: string[];
}

/** booti takes an uncompressed arm64 Image; a gzipped one is unpacked here (U-Boot's own unzip needs more setup per board). */
async function stageKernel(source: string, target: string): Promise<void> {
  const head = await readFile(source).then((b) => b.subarray(0, 2));
  if (head[0] === 0x1f && head[1] === 0x8b) await writeFile(target, gunzipSync(await readFile(source)));
  else await copyFile(source, target);
}

/**
 * Puts the kernel and the initrd (with the case payload appended, when it travels that way) into the
 * lab's TFTP folder under per-session names, so boards and runs sharing the folder never load each other's.
 */
export async function stageImages(dir: string, board: string, bootId: string, image: KernelImage, payload: PayloadFile[], guestPayloadDir: string): Promise<Staged> {
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new InfraError(`the TFTP folder ${dir} does not exist`);
  // Boot ids repeat between runs, and runs of other processes may share the folder.
  const stem = `harness-${board}-${bootId}-${randomBytes(4).toString('hex')}`;
  const kernelName = `${stem}-kernel`;
  const initrdName = `${stem}-initrd`;
  const kernelPath = join(dir, kernelName);
  const initrdPath = join(dir, initrdName);
  const paths = [kernelPath, initrdPath];
  if (!image.initrd) throw new UsageError('--image', `${image.name}: a board boots a kernel with its initrd over TFTP; this image has none`);
  try {
    await stageKernel(image.kernel, kernelPath);
    if (payload.length) await appendPayload(image.initrd, payload, guestPayloadDir, initrdPath);
    else await copyFile(image.initrd, initrdPath);
    return {
      kernel: { name: kernelName, bytes: (await stat(kernelPath)).size },
      initrd: { name: initrdName, bytes: (await stat(initrdPath)).size },
      paths,
    };
  } catch (error) {
    await unstage(paths);
    throw error instanceof InfraError ? error : new InfraError(`cannot put the images into the TFTP folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
}

export async function unstage(paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true }).catch(() => undefined);
}
