/** ISO 9660 volume descriptors and the El Torito boot catalog: which firmware can boot a CD image. */
import { DamagedImage, type ByteSource } from './byte-source.js';

const BLOCK = 2048;
const FIRST_DESCRIPTOR = 16;
const MAX_DESCRIPTORS = 64;
const MAX_CATALOG_ENTRIES = 64;

export interface BootEntry {
  platform: 'bios' | 'efi' | 'other';
  /** Where the boot image starts, in bytes. */
  start: number;
}

export interface IsoFacts {
  volumeId: string;
  /** Empty when the volume has no El Torito boot record: nothing can boot it. */
  boot: BootEntry[];
}

/** True when the bytes at 32 KiB are an ISO 9660 volume descriptor. */
export function isIso9660(descriptor: Buffer): boolean {
  return descriptor.toString('latin1', 1, 6) === 'CD001';
}

const PLATFORMS: Readonly<Record<number, BootEntry['platform']>> = { 0x00: 'bios', 0xef: 'efi' };

export async function readIso(src: ByteSource): Promise<IsoFacts> {
  let volumeId = '';
  let catalog: number | undefined;
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const d = await src.read((FIRST_DESCRIPTOR + i) * BLOCK, BLOCK);
    if (d.length < BLOCK || !isIso9660(d)) throw new DamagedImage(`ISO 9660 volume descriptor ${i} is missing or truncated`);
    const type = d[0]!;
    if (type === 255) break;
    if (type === 1) volumeId = d.toString('latin1', 40, 72).trim();
    if (type === 0 && d.toString('latin1', 7, 30) === 'EL TORITO SPECIFICATION') catalog = d.readUInt32LE(0x47);
  }
  return { volumeId, boot: catalog === undefined ? [] : await readCatalog(src, catalog) };
}

async function readCatalog(src: ByteSource, block: number): Promise<BootEntry[]> {
  const c = await src.read(block * BLOCK, BLOCK);
  if (c.length < 64 || c[0] !== 0x01 || c[30] !== 0x55 || c[31] !== 0xaa) throw new DamagedImage(`El Torito boot catalog at block ${block} has no validation entry`);
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + c.readUInt16LE(i)) & 0xffff;
  if (sum !== 0) throw new DamagedImage('El Torito validation entry checksum does not add up');
  const entries: BootEntry[] = [];
  const entry = (at: number, platformId: number) => {
    if (c[at] === 0x88) entries.push({ platform: PLATFORMS[platformId] ?? 'other', start: c.readUInt32LE(at + 8) * BLOCK });
  };
  entry(32, c[1]!);
  // Section headers (0x90, the last 0x91) each name a platform and the entries after them.
  for (let at = 64, seen = 0; at + 32 <= c.length && seen < MAX_CATALOG_ENTRIES; ) {
    const indicator = c[at]!;
    if (indicator !== 0x90 && indicator !== 0x91) break;
    const platformId = c[at + 1]!;
    const count = c.readUInt16LE(at + 2);
    at += 32;
    for (let n = 0; n < count && at + 32 <= c.length; n++, at += 32, seen++) entry(at, platformId);
    if (indicator === 0x91) break;
  }
  return entries;
}
