import { access, lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../model/errors.js';
import { confinementProblem } from '../select/confine.js';
import type { DiskImage, KernelImage, RootImage } from '../../platforms/platform.js';
import { DamagedImage, fileSource, type FileSource } from './byte-source.js';
import { detectDisk, NotAnImage } from './detect-disk.js';

const EXPECTED =
  'expected a LinuxKit prefix (<prefix>-kernel with -initrd.img, -squashfs.img or -erofs.img), an ISO, or a raw, qcow2, VHD or VMDK disk';

const exists = (path: string) => access(path).then(() => true, () => false);

/**
 * Opens what `--image` names, by content where it is a file (an ISO, a raw, qcow2, VHD or VMDK disk)
 * and as a LinuxKit prefix otherwise. `where` names the flag or case file that gave it, for errors.
 */
export async function openImage(spec: string, where: string): Promise<KernelImage | DiskImage> {
  const full = resolve(spec);
  const info = await stat(full).catch(() => undefined);
  if (info?.isFile()) {
    // `<prefix>-kernel` itself names the prefix.
    if (full.endsWith('-kernel')) return openPrefix(full.slice(0, -'-kernel'.length), spec, where);
    return openDisk(full, spec, where);
  }
  if (info) throw new UsageError(where, `image ${spec}: not a regular file; ${EXPECTED}`);
  return openPrefix(full, spec, where);
}

/** The LinuxKit image at `prefix` (the bundled fixtures, a case's `image:`). */
export function openKernelImage(prefix: string, where: string): Promise<KernelImage> {
  return openPrefix(resolve(prefix), prefix, where);
}

async function openPrefix(full: string, spec: string, where: string): Promise<KernelImage> {
  const kernel = `${full}-kernel`;
  if (!(await exists(kernel))) throw new UsageError(where, `image ${spec}: no such file, and ${kernel} does not exist; ${EXPECTED}`);
  const initrd = (await exists(`${full}-initrd.img`)) ? `${full}-initrd.img` : undefined;
  const roots: RootImage[] = [];
  for (const fs of ['squashfs', 'erofs'] as const) if (await exists(`${full}-${fs}.img`)) roots.push({ path: `${full}-${fs}.img`, fs });
  if (roots.length > 1) throw new UsageError(where, `image ${spec}: both ${roots.map((r) => r.path).join(' and ')} exist; keep one root file system`);
  if (!initrd && !roots.length) throw new UsageError(where, `image ${spec}: ${kernel} exists but neither -initrd.img nor -squashfs.img or -erofs.img beside it`);
  let cmdline = '';
  try {
    cmdline = (await readFile(`${full}-cmdline`, 'utf8')).trim();
  } catch {
    // LinuxKit images may come without a cmdline file; the platform adds its console.
  }
  return { kind: 'kernel', name: basename(full), kernel, ...(initrd && { initrd }), cmdline, ...(roots[0] && { root: roots[0] }) };
}

async function openDisk(path: string, spec: string, where: string): Promise<DiskImage> {
  const opened: FileSource[] = [];
  const open = async (file: string) => {
    const source = await fileSource(file);
    opened.push(source);
    return source;
  };
  try {
    const facts = await detectDisk(await open(path), (name) => open(isAbsolute(name) ? name : resolve(dirname(path), name)));
    return { kind: 'disk', name: basename(path), path, ...facts };
  } catch (error) {
    if (error instanceof NotAnImage) throw new UsageError(where, `image ${spec}: ${error.message}; ${EXPECTED}`);
    if (error instanceof DamagedImage) throw new UsageError(where, `image ${spec}: damaged: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code) throw new UsageError(where, `image ${spec}: cannot be read (${(error as Error).message})`);
    throw error;
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

/** The image's format as reports and fingerprints name it: kernel+initrd, kernel+squashfs, iso, qcow2, … */
export function formatName(image: KernelImage | DiskImage): string {
  if (image.kind === 'disk') return image.format;
  return image.root ? `kernel+${image.root.fs}` : 'kernel+initrd';
}

/**
 * Opens the image a case file names, the way the case's files/ are confined: `prefix` is relative
 * to `caseDir`, and each of its files must be a regular file inside that folder, links followed.
 * A link out would boot a host file, or put one's text on the kernel command line. `where` is the
 * case file; the image is opened by the real paths that were checked.
 */
export async function openCaseImage(prefix: string, caseDir: string, where: string): Promise<KernelImage> {
  const full = resolve(caseDir, prefix);
  const realDir = await realpath(caseDir);
  const locate = async (suffix: string): Promise<string | undefined> => {
    const file = full + suffix;
    if (!(await lstat(file).catch(() => undefined))) return undefined;
    const problem = await confinementProblem(file, realDir);
    if (problem) throw new UsageError(where, `image: ${prefix}${suffix}: ${problem}`);
    return realpath(file);
  };
  const kernel = await locate('-kernel');
  const initrd = await locate('-initrd.img');
  const cmdline = await locate('-cmdline');
  if (kernel === undefined || initrd === undefined) {
    const missing = [kernel === undefined && `${prefix}-kernel`, initrd === undefined && `${prefix}-initrd.img`].filter(Boolean);
    throw new UsageError(where, `image: ${missing.join(' and ')} not found in ${caseDir}`);
  }
  return { kind: 'kernel', name: basename(full), kernel, initrd, cmdline: cmdline === undefined ? '' : (await readFile(cmdline, 'utf8')).trim() };
}
