/**
 * Just enough FAT12/16/32 to read a file's first bytes by its 8.3 path: the EFI boot binary on an
 * ESP or an El Torito EFI image. Long names are skipped; the removable-media paths UEFI looks for
 * (EFI/BOOT/BOOTX64.EFI) are 8.3 names.
 */
import { DamagedImage, type ByteSource } from './byte-source.js';

interface Volume {
  src: ByteSource;
  bytesPerSector: number;
  clusterBytes: number;
  fatOffset: number;
  dataOffset: number;
  bits: 12 | 16 | 32;
  clusters: number;
  /** FAT12/16 keep the root directory in a fixed area; FAT32 in a cluster chain. */
  root: { offset: number; bytes: number } | { cluster: number };
}

async function openVolume(src: ByteSource): Promise<Volume | undefined> {
  const b = await src.read(0, 512);
  if (b.length < 512 || b.readUInt16LE(510) !== 0xaa55) return undefined;
  const bytesPerSector = b.readUInt16LE(11);
  const perCluster = b[13]!;
  const reserved = b.readUInt16LE(14);
  const fats = b[16]!;
  const rootEntries = b.readUInt16LE(17);
  const total = b.readUInt16LE(19) || b.readUInt32LE(32);
  const fatSectors = b.readUInt16LE(22) || b.readUInt32LE(36);
  const pow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
  if (![512, 1024, 2048, 4096].includes(bytesPerSector) || !pow2(perCluster) || fats < 1 || fats > 2 || reserved < 1 || fatSectors < 1) return undefined;
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataSector = reserved + fats * fatSectors + rootSectors;
  if (total <= dataSector) throw new DamagedImage('FAT volume is smaller than its own tables');
  const clusters = Math.floor((total - dataSector) / perCluster);
  const bits = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
  return {
    src,
    bytesPerSector,
    clusterBytes: bytesPerSector * perCluster,
    fatOffset: reserved * bytesPerSector,
    dataOffset: dataSector * bytesPerSector,
    bits,
    clusters,
    root: bits === 32 ? { cluster: b.readUInt32LE(44) } : { offset: (reserved + fats * fatSectors) * bytesPerSector, bytes: rootEntries * 32 },
  };
}

async function nextCluster(v: Volume, cluster: number): Promise<number | undefined> {
  const at = v.bits === 12 ? Math.floor(cluster * 1.5) : cluster * (v.bits / 8);
  const raw = await v.src.read(v.fatOffset + at, 4);
  if (raw.length < (v.bits === 32 ? 4 : 2)) throw new DamagedImage('FAT table runs past the end of the volume');
  const value = v.bits === 12 ? (cluster & 1 ? raw.readUInt16LE(0) >> 4 : raw.readUInt16LE(0) & 0xfff) : v.bits === 16 ? raw.readUInt16LE(0) : raw.readUInt32LE(0) & 0x0fffffff;
  const end = v.bits === 12 ? 0xff8 : v.bits === 16 ? 0xfff8 : 0x0ffffff8;
  return value >= end || value < 2 ? undefined : value;
}

/** Up to `limit` bytes of a cluster chain; a loop or a chain past the volume is damage. */
async function readChain(v: Volume, first: number, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  let hops = 0;
  for (let c: number | undefined = first; c !== undefined && got < limit; c = await nextCluster(v, c)) {
    if (c < 2 || c >= v.clusters + 2 || ++hops > v.clusters) throw new DamagedImage(`FAT cluster chain from ${first} leaves the volume or loops`);
    const part = await v.src.read(v.dataOffset + (c - 2) * v.clusterBytes, Math.min(v.clusterBytes, limit - got));
    parts.push(part);
    got += part.length;
  }
  return Buffer.concat(parts);
}

interface DirEntry {
  cluster: number;
  size: number;
  directory: boolean;
}

function shortName(name: string): string {
  const [base = '', ext = ''] = name.toUpperCase().split('.');
  return base.padEnd(8, ' ').slice(0, 8) + ext.padEnd(3, ' ').slice(0, 3);
}

function findEntry(dir: Buffer, name: string): DirEntry | undefined {
  const wanted = shortName(name);
  for (let at = 0; at + 32 <= dir.length; at += 32) {
    const first = dir[at]!;
    if (first === 0) return undefined;
    const attr = dir[at + 11]!;
    if (first === 0xe5 || (attr & 0x0f) === 0x0f || attr & 0x08) continue;
    if (dir.toString('latin1', at, at + 11).toUpperCase() !== wanted) continue;
    return { cluster: (dir.readUInt16LE(at + 20) << 16) | dir.readUInt16LE(at + 26), size: dir.readUInt32LE(at + 28), directory: (attr & 0x10) !== 0 };
  }
  return undefined;
}

const MAX_DIR_BYTES = 1024 * 1024;

/**
 * The first `limit` bytes of the file at `path` (8.3 components, any case), or undefined when the
 * volume is not FAT or has no such file.
 */
export async function readFatFile(src: ByteSource, path: readonly string[], limit: number): Promise<Buffer | undefined> {
  const v = await openVolume(src);
  if (!v) return undefined;
  let dir = 'offset' in v.root ? await src.read(v.root.offset, v.root.bytes) : await readChain(v, v.root.cluster, MAX_DIR_BYTES);
  for (const [i, name] of path.entries()) {
    const entry = findEntry(dir, name);
    if (!entry) return undefined;
    const last = i === path.length - 1;
    if (entry.directory === last) return undefined;
    if (last) return entry.cluster === 0 ? Buffer.alloc(0) : readChain(v, entry.cluster, Math.min(limit, entry.size));
    dir = await readChain(v, entry.cluster, MAX_DIR_BYTES);
  }
  return undefined;
}
