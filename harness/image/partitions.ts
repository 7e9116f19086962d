/** MBR and GPT partition tables, read from a disk's first sectors. */
import { DamagedImage, type ByteSource } from './byte-source.js';

export type PartitionKind = 'esp' | 'bios-boot' | 'other';

export interface Partition {
  /** From 1, as the kernel numbers them. */
  number: number;
  /** Byte offset and length on the disk. */
  start: number;
  size: number;
  kind: PartitionKind;
}

export interface PartitionTable {
  scheme: 'mbr' | 'gpt';
  partitions: Partition[];
  /** The MBR's first 440 bytes hold code: a BIOS can boot the disk. */
  mbrBootCode: boolean;
}

const SECTOR = 512;
const MBR_ESP = 0xef;
const MBR_GPT_PROTECTIVE = 0xee;
const GPT_ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const GPT_BIOS_BOOT = '21686148-6449-6e6f-744e-656564454649';
const MAX_GPT_ENTRIES = 1024;

/** GPT GUIDs store their first three fields little-endian. */
function guid(buf: Buffer, at: number): string {
  const hex = (from: number, to: number) => buf.subarray(at + from, at + to).toString('hex');
  const le = (from: number, to: number) => Buffer.from(buf.subarray(at + from, at + to)).reverse().toString('hex');
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/**
 * The disk's partition table, or undefined when sector 0 carries no MBR signature or entries that
 * fit the disk (a bare file system also ends its first sector with 0x55AA).
 */
export async function readPartitionTable(disk: ByteSource): Promise<PartitionTable | undefined> {
  const mbr = await disk.read(0, SECTOR);
  if (mbr.length < SECTOR || mbr.readUInt16LE(510) !== 0xaa55) return undefined;
  const mbrBootCode = mbr.subarray(0, 440).some((b) => b !== 0);
  const entries: Partition[] = [];
  for (let i = 0; i < 4; i++) {
    const e = mbr.subarray(446 + i * 16, 462 + i * 16);
    const status = e[0]!;
    const type = e[4]!;
    const start = e.readUInt32LE(8) * SECTOR;
    const size = e.readUInt32LE(12) * SECTOR;
    if (type === 0) continue;
    if ((status !== 0 && status !== 0x80) || start === 0) return undefined;
    if (type === MBR_GPT_PROTECTIVE) return readGpt(disk, mbrBootCode);
    entries.push({ number: i + 1, start, size, kind: type === MBR_ESP ? 'esp' : 'other' });
  }
  if (!entries.length) return undefined;
  return { scheme: 'mbr', partitions: entries, mbrBootCode };
}

async function readGpt(disk: ByteSource, mbrBootCode: boolean): Promise<PartitionTable> {
  const header = await disk.read(SECTOR, SECTOR);
  if (header.toString('latin1', 0, 8) !== 'EFI PART') throw new DamagedImage('protective MBR, but no GPT header ("EFI PART") at sector 1');
  const entriesLba = Number(header.readBigUInt64LE(72));
  const count = header.readUInt32LE(80);
  const entrySize = header.readUInt32LE(84);
  if (count > MAX_GPT_ENTRIES || entrySize < 128 || entrySize > 1024 || entrySize % 8 !== 0) {
    throw new DamagedImage(`GPT header says ${count} entries of ${entrySize} bytes`);
  }
  const table = await disk.read(entriesLba * SECTOR, count * entrySize);
  if (table.length < count * entrySize) throw new DamagedImage('GPT partition entries run past the end of the disk');
  const partitions: Partition[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const type = guid(table, at);
    if (type === '00000000-0000-0000-0000-000000000000') continue;
    const first = Number(table.readBigUInt64LE(at + 32));
    const last = Number(table.readBigUInt64LE(at + 40));
    if (last < first) throw new DamagedImage(`GPT partition ${i + 1} ends before it starts`);
    const kind: PartitionKind = type === GPT_ESP ? 'esp' : type === GPT_BIOS_BOOT ? 'bios-boot' : 'other';
    partitions.push({ number: i + 1, start: first * SECTOR, size: (last - first + 1) * SECTOR, kind });
  }
  return { scheme: 'gpt', partitions, mbrBootCode };
}
