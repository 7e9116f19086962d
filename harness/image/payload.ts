import { appendFile, copyFile, stat } from 'node:fs/promises';
import { CpioBuilder, pad4 } from './cpio.js';
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
  // Copied by the kernel, not read into the heap: an initrd is megabytes, for every session at once.
  await copyFile(initrd, target);
  const { size } = await stat(target);
  await appendFile(target, Buffer.concat([Buffer.alloc(pad4(size)), archive.toBuffer()]));
  return target;
}
