/**
 * The guest-visible disk inside a qcow2, VHD or sparse VMDK container, as a ByteSource, so the
 * partition, FAT and ISO readers see what the guest's firmware will see. Only what detection needs:
 * unallocated ranges read as zeros, and anything a lookup cannot follow (compressed clusters, a
 * backing file, a table outside the file) is DamagedImage or reads as zeros where the format says so.
 */
import { DamagedImage, MAX_READ, type ByteSource } from './byte-source.js';

export type ContainerFormat = 'qcow2' | 'vhd' | 'vmdk';

/** A container's identity and its guest size, from the first and last sectors. */
export interface ContainerHeader {
  format: ContainerFormat;
  /** "qcow2 v3", "VHD dynamic", "VMDK monolithicSparse". */
  detail: string;
  virtualSize: number;
}

const QCOW_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);
const VHD_COOKIE = 'conectix';
const VMDK_MAGIC = 'KDMV';
const SECTOR = 512;

function u64be(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DamagedImage(`a 64-bit field at byte ${at} is out of range`);
  return Number(value);
}

function u64le(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DamagedImage(`a 64-bit field at byte ${at} is out of range`);
  return Number(value);
}

/** Which container `head` (the first 512 bytes) and `tail` (the last 512) belong to, or undefined. */
export function containerOf(head: Buffer, tail: Buffer): ContainerFormat | undefined {
  if (head.length >= 4 && head.subarray(0, 4).equals(QCOW_MAGIC)) return 'qcow2';
  if (head.toString('latin1', 0, 4) === VMDK_MAGIC) return 'vmdk';
  // Fixed VHDs have the footer only at the end; dynamic ones also keep a copy at the start.
  if (tail.toString('latin1', 0, 8) === VHD_COOKIE || head.toString('latin1', 0, 8) === VHD_COOKIE) return 'vhd';
  return undefined;
}

/** Opens the container for reading its guest disk; throws DamagedImage when its tables make no sense. */
export async function guestDisk(file: ByteSource, format: ContainerFormat): Promise<{ header: ContainerHeader; disk: ByteSource }> {
  switch (format) {
    case 'qcow2':
      return qcow2(file);
    case 'vhd':
      return vhd(file);
    case 'vmdk':
      return vmdkSparse(file);
  }
}

/** A disk of `size` bytes read block by block through `locate`, which gives a block's file offset or undefined for zeros. */
function blockDisk(file: ByteSource, size: number, blockSize: number, locate: (block: number) => Promise<number | undefined>): ByteSource {
  return {
    size,
    async read(offset, length) {
      if (length > MAX_READ) throw new DamagedImage(`a header asks for ${length} bytes at once (more than ${MAX_READ})`);
      const end = Math.min(size, offset + length);
      const parts: Buffer[] = [];
      for (let at = offset; at < end; ) {
        const block = Math.floor(at / blockSize);
        const within = at - block * blockSize;
        const take = Math.min(blockSize - within, end - at);
        const where = await locate(block);
        const part = where === undefined ? Buffer.alloc(take) : await file.read(where + within, take);
        parts.push(part.length === take ? part : Buffer.concat([part, Buffer.alloc(take - part.length)]));
        at += take;
      }
      return Buffer.concat(parts);
    },
  };
}

async function qcow2(file: ByteSource): Promise<{ header: ContainerHeader; disk: ByteSource }> {
  const h = await file.read(0, 104);
  if (h.length < 72) throw new DamagedImage('qcow2 header is truncated');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new DamagedImage(`qcow2 version ${version} is not 2 or 3`);
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw new DamagedImage(`qcow2 cluster_bits ${clusterBits} is outside 9..21`);
  const size = u64be(h, 24);
  const l1Size = h.readUInt32BE(36);
  const l1Offset = u64be(h, 40);
  const header = { format: 'qcow2' as const, detail: `qcow2 v${version}`, virtualSize: size };
  if (h.readUInt32BE(32) !== 0) throw new DamagedImage('qcow2 image is encrypted');
  // Extended L2 entries (incompatible bit 4) change the table layout; the image is not ours to inspect.
  if (version === 3 && h.length >= 80 && (h.readBigUInt64BE(72) & 0x10n) !== 0n) return { header, disk: zeros(size) };
  const clusterSize = 2 ** clusterBits;
  const l2Entries = clusterSize / 8;
  if (l1Size > Math.ceil(size / clusterSize / l2Entries) + 1) throw new DamagedImage(`qcow2 L1 table of ${l1Size} entries is larger than the disk needs`);
  const l1 = await file.read(l1Offset, l1Size * 8);
  if (l1.length < l1Size * 8) throw new DamagedImage('qcow2 L1 table runs past the end of the file');
  const OFFSET_MASK = 0x00fffffffffffe00n;
  const l2Cache = new Map<number, Buffer>();
  const disk = blockDisk(file, size, clusterSize, async (cluster) => {
    const l1Index = Math.floor(cluster / l2Entries);
    if (l1Index >= l1Size) return undefined;
    const l2Offset = Number(l1.readBigUInt64BE(l1Index * 8) & OFFSET_MASK);
    if (l2Offset === 0) return undefined;
    let l2 = l2Cache.get(l2Offset);
    if (!l2) {
      l2 = await file.read(l2Offset, clusterSize);
      l2Cache.set(l2Offset, l2);
    }
    const at = (cluster % l2Entries) * 8;
    if (at + 8 > l2.length) throw new DamagedImage(`qcow2 L2 table at ${l2Offset} runs past the end of the file`);
    const entry = l2.readBigUInt64BE(at);
    if (entry & (1n << 62n)) throw new DamagedImage('qcow2 image has compressed clusters, which detection does not inflate');
    const offset = Number(entry & OFFSET_MASK);
    // Bit 0 in v3 marks a cluster that reads as zeros.
    return offset === 0 || (entry & 1n) === 1n ? undefined : offset;
  });
  return { header, disk };
}

function zeros(size: number): ByteSource {
  return { size, read: async (offset, length) => Buffer.alloc(Math.max(0, Math.min(length, size - offset))) };
}

const VHD_TYPES: Readonly<Record<number, string>> = { 2: 'fixed', 3: 'dynamic', 4: 'differencing' };

async function vhd(file: ByteSource): Promise<{ header: ContainerHeader; disk: ByteSource }> {
  const tail = await file.read(Math.max(0, file.size - SECTOR), SECTOR);
  const head = await file.read(0, SECTOR);
  const footer = tail.toString('latin1', 0, 8) === VHD_COOKIE ? tail : head;
  if (footer.length < SECTOR) throw new DamagedImage('VHD footer is truncated');
  const type = footer.readUInt32BE(60);
  const size = u64be(footer, 48);
  const name = VHD_TYPES[type];
  if (!name) throw new DamagedImage(`VHD disk type ${type} is not fixed, dynamic or differencing`);
  const header = { format: 'vhd' as const, detail: `VHD ${name}`, virtualSize: size };
  if (type === 2) {
    if (size > file.size - SECTOR) throw new DamagedImage(`fixed VHD says ${size} bytes but holds ${file.size - SECTOR}`);
    return { header, disk: { size, read: (offset, length) => file.read(offset, Math.max(0, Math.min(length, size - offset))) } };
  }
  if (type === 4) throw new DamagedImage('differencing VHD needs its parent, which detection does not open');
  const dyn = await file.read(u64be(footer, 16), 1024);
  if (dyn.toString('latin1', 0, 8) !== 'cxsparse') throw new DamagedImage('VHD dynamic header ("cxsparse") is missing');
  const batOffset = u64be(dyn, 16);
  const entries = dyn.readUInt32BE(28);
  const blockSize = dyn.readUInt32BE(32);
  if (blockSize < SECTOR || blockSize % SECTOR !== 0 || blockSize > 256 * 1024 * 1024) throw new DamagedImage(`VHD block size ${blockSize} is not a sane multiple of 512`);
  if (entries < Math.ceil(size / blockSize)) throw new DamagedImage(`VHD block table of ${entries} entries cannot cover ${size} bytes`);
  const bat = await file.read(batOffset, Math.min(entries, Math.ceil(size / blockSize)) * 4);
  const bitmap = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
  const disk = blockDisk(file, size, blockSize, async (block) => {
    if (block * 4 + 4 > bat.length) throw new DamagedImage('VHD block table runs past the end of the file');
    const sector = bat.readUInt32BE(block * 4);
    return sector === 0xffffffff ? undefined : sector * SECTOR + bitmap;
  });
  return { header, disk };
}

async function vmdkSparse(file: ByteSource): Promise<{ header: ContainerHeader; disk: ByteSource }> {
  const h = await file.read(0, SECTOR);
  if (h.length < 80) throw new DamagedImage('VMDK sparse header is truncated');
  const capacity = u64le(h, 12) * SECTOR;
  const grain = u64le(h, 20) * SECTOR;
  const perTable = h.readUInt32LE(44);
  const gdOffset = h.readBigUInt64LE(56);
  const header = { format: 'vmdk' as const, detail: 'VMDK monolithicSparse', virtualSize: capacity };
  if (grain < SECTOR || grain > 128 * 1024 * 1024 || perTable === 0 || perTable > 65536) throw new DamagedImage(`VMDK grain of ${grain} bytes or ${perTable} entries per table is not sane`);
  // streamOptimized keeps its tables at the end and compresses grains: not readable without inflating.
  if (gdOffset === 0xffffffffffffffffn || h.readUInt16LE(77) !== 0) return { header: { ...header, detail: 'VMDK streamOptimized' }, disk: zeros(capacity) };
  const tables = Math.ceil(capacity / grain / perTable);
  const gd = await file.read(u64le(h, 56) * SECTOR, tables * 4);
  if (gd.length < tables * 4) throw new DamagedImage('VMDK grain directory runs past the end of the file');
  const gtCache = new Map<number, Buffer>();
  const disk = blockDisk(file, capacity, grain, async (index) => {
    const gtSector = gd.readUInt32LE(Math.floor(index / perTable) * 4);
    if (gtSector === 0) return undefined;
    let gt = gtCache.get(gtSector);
    if (!gt) {
      gt = await file.read(gtSector * SECTOR, perTable * 4);
      gtCache.set(gtSector, gt);
    }
    const at = (index % perTable) * 4;
    if (at + 4 > gt.length) throw new DamagedImage('VMDK grain table runs past the end of the file');
    const sector = gt.readUInt32LE(at);
    // Sector 1 marks a grain that reads as zeros.
    return sector <= 1 ? undefined : sector * SECTOR;
  });
  return { header, disk };
}
