import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../../../harness/model/errors.js';

const MiB = 1 << 20;
const GiB = 1 << 30;

async function sizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(file, 'is not a file');
    return info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(file, `cannot be read: ${(error as Error).message}`);
  }
}

/** A raw disk (LinuxKit's raw-bios / raw-efi) for EC2's ImportSnapshot: whole 512-byte sectors. */
export async function checkRawDisk(file: string): Promise<number> {
  const size = await sizeOf(file);
  if (size === 0 || size % 512 !== 0) throw new UsageError(file, `is ${size} bytes, not a whole number of 512-byte sectors: not a raw disk image`);
  return size;
}

/** The VHD footer's checksum: the ones' complement of the sum of its bytes, the checksum field left out. */
function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += footer[i]!;
  return ~sum >>> 0;
}

/**
 * A fixed VHD (LinuxKit's `azure` format) as Azure takes it: the `conectix` footer in the last 512
 * bytes, disk type fixed, the footer's size equal to the data before it, a whole number of MiB.
 */
export async function checkFixedVhd(file: string): Promise<number> {
  const size = await sizeOf(file);
  if (size < 512) throw new UsageError(file, `is ${size} bytes: too small for a VHD`);
  const handle = await open(file, 'r');
  const footer = Buffer.alloc(512);
  try {
    await handle.read(footer, 0, 512, size - 512);
  } finally {
    await handle.close();
  }
  if (footer.toString('latin1', 0, 8) !== 'conectix') throw new UsageError(file, 'has no VHD footer (no "conectix" cookie in its last 512 bytes): convert it with qemu-img convert -O vpc -o subformat=fixed,force_size');
  const type = footer.readUInt32BE(60);
  if (type !== 2) throw new UsageError(file, `is a ${type === 3 ? 'dynamic' : type === 4 ? 'differencing' : `type ${type}`} VHD; Azure takes fixed VHDs only`);
  if (vhdChecksum(footer) !== footer.readUInt32BE(64)) throw new UsageError(file, 'has a damaged VHD footer (its checksum does not match)');
  const virtual = Number(footer.readBigUInt64BE(48));
  if (virtual !== size - 512) throw new UsageError(file, `says it holds ${virtual} bytes but has ${size - 512} before its footer`);
  if (virtual % MiB !== 0) throw new UsageError(file, `holds ${virtual} bytes, not a whole number of MiB as Azure requires`);
  return size;
}

/** A tar header's number: octal text, or GNU's base-256 for sizes past 8 GiB. */
function tarNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  return parseInt(field.toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
}

/** The first 512 bytes of the gunzipped stream, without reading the rest. */
async function firstTarHeader(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= 512) break;
    }
  } catch (error) {
    throw new UsageError(file, `is not gzip: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, 512);
}

/**
 * A GCE image tarball (LinuxKit's `gcp` format): gzip, a tar whose first member is `disk.raw`, whose
 * size (GNU sparse members' real size) is a whole number of GiB, as Compute Engine requires.
 */
export async function checkGceTarball(file: string): Promise<number> {
  const size = await sizeOf(file);
  const header = await firstTarHeader(file);
  if (header.length < 512) throw new UsageError(file, 'holds no tar archive');
  const name = header.toString('latin1', 0, 100).replace(/\0.*$/s, '');
  if (name !== 'disk.raw' && name !== './disk.raw') throw new UsageError(file, `starts with "${name}"; Compute Engine wants disk.raw as the archive's first (only) file`);
  const type = String.fromCharCode(header[156]!);
  // GNU sparse members (tar -S) keep the file's real size beyond the stored one.
  const diskSize = type === 'S' ? tarNumber(header.subarray(483, 495)) : tarNumber(header.subarray(124, 136));
  if (type !== '0' && type !== '\0' && type !== 'S') throw new UsageError(file, `has disk.raw as tar type "${type}", not a regular file`);
  if (diskSize === 0 || diskSize % GiB !== 0) throw new UsageError(file, `has a disk.raw of ${diskSize} bytes; Compute Engine needs a whole number of GiB`);
  return size;
}
