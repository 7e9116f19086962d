/**
 * Cheap checks of an image's files before booting it: a kernel for another architecture or a
 * truncated initrd otherwise shows up as a guest that prints nothing until the boot times out.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { createInflateRaw, gunzipSync, constants as zc } from 'node:zlib';
import { isElf, machineToArch } from './elf.js';
import { peArch } from './pe.js';
import type { DiskImage, KernelImage, RootImage } from '../../platforms/platform.js';
import { UsageError } from '../model/errors.js';
import type { Arch } from '../model/types.js';

export type InitrdFormat = 'cpio' | 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'zstd';

/**
 * What the kernel's initramfs unpacker accepts (init/initramfs.c, lib/decompress.c), by leading
 * bytes. The kernel looks at two bytes only; the longer magics keep random files from passing.
 */
const MAGICS: readonly (readonly [InitrdFormat, Buffer])[] = [
  ['cpio', Buffer.from('070701')],
  ['cpio', Buffer.from('070702')],
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['bzip2', Buffer.from('BZh')],
  ['lzma', Buffer.from([0x5d, 0x00, 0x00])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['lzo', Buffer.from([0x89, 0x4c, 0x5a, 0x4f])],
  // The kernel's lz4 is the legacy frame format.
  ['lz4', Buffer.from([0x02, 0x21, 0x4c, 0x18])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** The format of the initrd part starting at `head[0]`, or undefined when nothing the kernel reads starts there. */
export function initrdFormat(head: Uint8Array): InitrdFormat | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return MAGICS.find(([, magic]) => buf.subarray(0, magic.length).equals(magic))?.[0];
}

// Enough for every marker below; the s390 entry-point table sits at 0x10008.
const KERNEL_HEAD = 0x10010;
// A gzip-wrapped kernel (Debian's arm64 vmlinuz) needs only its first bytes inflated.
const GZIP_KERNEL_HEAD = 8192;
const EROFS_MAGIC = 0xe0f5e1e2;
const ARM64_MAGIC = 0x644d5241; // "ARM\x64", little-endian at 0x38 (Documentation/arch/arm64/booting.rst)
// Inflating the whole initrd to find truncation costs about a second per 100 MB; big ones go unchecked.
const GZIP_CHECK_LIMIT = 64 * 1024 * 1024;

/** The architecture a kernel file is built for, from its header; 'unknown' when no known layout matches. */
export async function kernelArch(path: string): Promise<Arch | 'unknown'> {
  return archOfHead(await readHead(path, KERNEL_HEAD), true);
}

function archOfHead(head: Buffer, mayBeGzip: boolean): Arch | 'unknown' {
  const at = (offset: number, text: string) => head.toString('latin1', offset, offset + text.length) === text;
  if (isElf(head) && head.length >= 0x14) {
    return machineToArch(head[5] === 2 ? head.readUInt16BE(0x12) : head.readUInt16LE(0x12)) ?? 'unknown';
  }
  // x86 boot protocol (Documentation/arch/x86/boot.rst): boot_flag 0xAA55 at 0x1fe, "HdrS" at 0x202;
  // from protocol 2.12 on, xloadflags bit 0 says whether the kernel is 64-bit.
  if (head.length >= 0x238 && head.readUInt16LE(0x1fe) === 0xaa55 && at(0x202, 'HdrS')) {
    return head.readUInt16LE(0x206) >= 0x20c && (head.readUInt16LE(0x236) & 1) === 0 ? 'unknown' : 'x86_64';
  }
  if (head.length >= 0x3c && head.readUInt32LE(0x38) === ARM64_MAGIC) return 'arm64';
  // arch/s390/boot/head.S: "S390EP" at EP_OFFSET 0x10008, the entry-point table the kernel calls its ABI.
  if (at(0x10008, 'S390EP')) return 's390x';
  // A PE image that is none of the above, e.g. an arm64 EFI zboot kernel ("zimg" at offset 4).
  if (at(0, 'MZ')) return peArch(head) ?? 'unknown';
  if (mayBeGzip && initrdFormat(head) === 'gzip') {
    try {
      // Z_SYNC_FLUSH makes zlib return what it inflated so far instead of failing on the cut-off input.
      return archOfHead(gunzipSync(head.subarray(0, GZIP_KERNEL_HEAD), { finishFlush: zc.Z_SYNC_FLUSH }), false);
    } catch {
      return 'unknown';
    }
  }
  return 'unknown';
}

/**
 * Checks that the image's kernel and initrd exist, are non-empty, that the kernel is built for
 * `arch` (a kernel of unknown layout passes) and that the initrd is something the kernel unpacks.
 * Throws UsageError(where, `<file>: …`).
 */
export async function checkImage(image: KernelImage, arch: Arch, where: string): Promise<void> {
  await requireFile(image.kernel, 'kernel', where);
  const found = await kernelArch(image.kernel);
  if (found !== 'unknown' && found !== arch) {
    throw new UsageError(where, `${image.kernel}: kernel is ${found}, but the platform is ${arch}`);
  }
  if (image.root) await checkRoot(image.root, where);
  if (!image.initrd) return;
  const initrdSize = await requireFile(image.initrd, 'initrd', where);
  const head = await readHead(image.initrd, 8);
  const format = initrdFormat(head);
  if (!format) throw new UsageError(where, `${image.initrd}: not an initrd (starts with 0x${head.toString('hex')})`);
  if (format === 'gzip' && initrdSize < GZIP_CHECK_LIMIT) await checkGzipMembers(image.initrd, where);
}

/** squashfs starts with "hsqs"; EROFS keeps its magic in the superblock at 1024. */
async function checkRoot(root: RootImage, where: string): Promise<void> {
  await requireFile(root.path, `${root.fs} root`, where);
  const head = await readHead(root.path, 1028);
  const ok = root.fs === 'squashfs' ? head.toString('latin1', 0, 4) === 'hsqs' : head.length >= 1028 && head.readUInt32LE(1024) === EROFS_MAGIC;
  if (!ok) throw new UsageError(where, `${root.path}: not a ${root.fs} file system (no ${root.fs} magic)`);
}

/** A disk boots on `arch` when one of its EFI binaries is for it, or by BIOS on x86_64. */
export function checkDisk(image: DiskImage, arch: Arch, where: string): void {
  if (!image.arches.includes(arch)) {
    throw new UsageError(where, `${image.path}: a ${image.format} image for ${image.arches.join(', ')} (${image.detail}), but the platform is ${arch}`);
  }
}

async function requireFile(path: string, what: string, where: string): Promise<number> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(where, `${path}: ${what} ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.message})`}`);
  });
  if (!info.isFile()) throw new UsageError(where, `${path}: ${what} is not a regular file`);
  if (info.size === 0) throw new UsageError(where, `${path}: ${what} is empty`);
  return info.size;
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(path, error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.message})`);
  });
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Inflates each gzip member of the initrd in turn; stops at whatever else follows (an appended cpio). */
async function checkGzipMembers(initrd: string, where: string): Promise<void> {
  const buf = await readFile(initrd);
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) {
      pos++;
      continue;
    }
    if (initrdFormat(buf.subarray(pos, pos + 2)) !== 'gzip') return;
    try {
      pos = await inflateGzipMember(buf, pos, () => undefined);
    } catch (error) {
      throw new UsageError(where, `${initrd}: ${(error as Error).message}`);
    }
  }
}

/**
 * Inflates the gzip member (RFC 1952) at `start`, handing its output to `sink` a chunk at a time so
 * nothing holds the whole output, and returns the offset just past the member's trailer. The CRC
 * is not computed (the length in the trailer still catches most damage). Corruption throws an
 * Error naming the byte offsets; an error thrown by `sink` passes through unchanged.
 */
export async function inflateGzipMember(buf: Buffer, start: number, sink: (chunk: Buffer) => void): Promise<number> {
  const body = start + gzipHeaderLength(buf, start);
  const inflate = createInflateRaw({ chunkSize: 1024 * 1024 });
  // Raw inflate stops at the end of the deflate stream; bytesWritten then says how much it used.
  inflate.end(buf.subarray(body));
  const chunks = inflate[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let size = 0;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw new Error(`gzip member at byte ${start} is truncated or corrupt at byte ${body + inflate.bytesWritten}: ${(error as Error).message}`);
      }
      if (next.done) break;
      size += next.value.length;
      sink(next.value);
    }
  } finally {
    inflate.destroy();
  }
  const end = body + inflate.bytesWritten;
  if (end + 8 > buf.length) throw new Error(`gzip member at byte ${start} is truncated: its 8-byte trailer at byte ${end} runs past the end (${buf.length} bytes)`);
  if (buf.readUInt32LE(end + 4) !== size % 2 ** 32) {
    throw new Error(`gzip member at byte ${start} is corrupt: it inflates to ${size} bytes, its trailer at byte ${end} says ${buf.readUInt32LE(end + 4)}`);
  }
  return end + 8;
}

function gzipHeaderLength(buf: Buffer, start: number): number {
  const past = () => new Error(`gzip header at byte ${start} runs past the end of the file`);
  if (start + 10 > buf.length) throw past();
  const flags = buf[start + 3]!;
  if (buf[start + 2] !== 8 || (flags & 0xe0) !== 0) throw new Error(`bad gzip header at byte ${start}: not a deflate member`);
  let p = start + 10;
  if (flags & 0x04) {
    if (p + 2 > buf.length) throw past();
    p += 2 + buf.readUInt16LE(p); // FEXTRA
  }
  for (const flag of [0x08, 0x10]) {
    if (!(flags & flag)) continue; // FNAME, FCOMMENT: zero-terminated
    const nul = buf.indexOf(0, p);
    if (nul < 0) throw past();
    p = nul + 1;
  }
  if (flags & 0x02) p += 2; // FHCRC
  if (p > buf.length) throw past();
  return p - start;
}
