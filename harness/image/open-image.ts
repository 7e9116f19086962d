import { access, readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { KernelImage } from '../../platforms/platform.js';

/**
 * Opens a LinuxKit-style image by prefix: `<prefix>-kernel`, `<prefix>-initrd.img` and an optional
 * `<prefix>-cmdline`. `where` names the flag or case file that gave the prefix, for the error.
 */
export async function openImage(prefix: string, where: string): Promise<KernelImage> {
  const full = resolve(prefix);
  const kernel = `${full}-kernel`;
  const initrd = `${full}-initrd.img`;
  for (const file of [kernel, initrd]) {
    try {
      await access(file);
    } catch {
      throw new UsageError(where, `image ${prefix}: ${file} does not exist`);
    }
  }
  let cmdline = '';
  try {
    cmdline = (await readFile(`${full}-cmdline`, 'utf8')).trim();
  } catch {
    // LinuxKit images may come without a cmdline file; the platform adds its console.
  }
  return { kind: 'kernel', name: basename(full), kernel, initrd, cmdline };
}
