import { readFile, writeFile } from 'node:fs/promises';
import { concatInitrd, CpioBuilder } from './cpio.js';
import type { PayloadFile } from '../../platforms/platform.js';

/**
 * Puts files into the guest without rebuilding the image: the kernel unpacks concatenated initramfs
 * archives in order, so an uncompressed cpio appended to a copy of the image's initrd lands in the
 * root filesystem before /init runs. Needs no disk, filesystem or module in the guest.
 */
export async function appendPayload(initrd: string, payload: PayloadFile[], guestDir: string, target: string): Promise<string> {
  const archive = new CpioBuilder();
  // The kernel's unpacker creates no missing parents; the builder adds their directory entries.
  const base = guestDir.replace(/^\/+/, '');
  for (const f of payload) archive.file(`${base}/${f.path}`, f.data, f.mode);
  await writeFile(target, concatInitrd([await readFile(initrd), archive.toBuffer()]));
  return target;
}
