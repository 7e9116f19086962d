/**
 * Synthetic images for the detection tests: a PE header, a FAT12 volume, MBR and GPT disks, an
 * El Torito ISO, and qcow2, VHD and VMDK containers around a raw disk. Small and written byte by
 * byte from the specifications, so the tests need no host tools.
 */
const SECTOR = 512;

export function peHead(machine: number): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(machine, 0x84);
  return b;
}

/** A FAT12 volume holding one file at a three-level 8.3 path such as EFI/BOOT/BOOTX64.EFI. */
export function fat12(path: [string, string, string], data: Buffer): Buffer {
  const sectors = 64;
  const img = Buffer.alloc(sectors * SECTOR);
  img.writeUInt16LE(SECTOR, 11);
  img[13] = 1; // sectors per cluster
  img.writeUInt16LE(1, 14); // reserved
  img[16] = 1; // FATs
  img.writeUInt16LE(16, 17); // root entries: one sector
  img.writeUInt16LE(sectors, 19);
  img.writeUInt16LE(1, 22); // FAT sectors
  img.writeUInt16LE(0xaa55, 510);
  const fileClusters = Math.max(1, Math.ceil(data.length / SECTOR));
  const fat: number[] = [0xff8, 0xfff, 0xfff, 0xfff];
  for (let i = 0; i < fileClusters; i++) fat.push(i === fileClusters - 1 ? 0xfff : 5 + i);
  fat.forEach((value, n) => {
    const at = SECTOR + Math.floor(n * 1.5);
    const old = img.readUInt16LE(at);
    img.writeUInt16LE(n & 1 ? (old & 0x000f) | (value << 4) : (old & 0xf000) | value, at);
  });
  const entry = (dirOffset: number, slot: number, name: string, cluster: number, size: number, dir: boolean) => {
    const [base = '', ext = ''] = name.split('.');
    const at = dirOffset + slot * 32;
    img.write(base.padEnd(8) + ext.padEnd(3), at, 'latin1');
    img[at + 11] = dir ? 0x10 : 0x20;
    img.writeUInt16LE(cluster, at + 26);
    img.writeUInt32LE(size, at + 28);
  };
  const cluster = (n: number) => (3 + n - 2) * SECTOR;
  entry(2 * SECTOR, 0, path[0], 2, 0, true);
  entry(cluster(2), 0, path[1], 3, 0, true);
  entry(cluster(3), 0, path[2], 4, data.length, false);
  data.copy(img, cluster(4));
  return img;
}

/** An MBR disk with one partition of `type`; `bootCode` fills the first 440 bytes. */
export function mbrDisk(type: number, partition: Buffer, bootCode = false): Buffer {
  const start = 2048;
  const disk = Buffer.alloc(start * SECTOR + partition.length);
  if (bootCode) disk.fill(0x90, 0, 440);
  disk[446 + 4] = type;
  disk.writeUInt32LE(start, 446 + 8);
  disk.writeUInt32LE(partition.length / SECTOR, 446 + 12);
  disk.writeUInt16LE(0xaa55, 510);
  partition.copy(disk, start * SECTOR);
  return disk;
}

const ESP_GUID = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');
const LINUX_GUID = Buffer.from('af3dc60f838472478e793d69d8477de4', 'hex');

/** A GPT disk whose first partition is an ESP holding `esp` (or a Linux partition when `esp` is false). */
export function gptDisk(partition: Buffer, esp = true): Buffer {
  const start = 34;
  const disk = Buffer.alloc(start * SECTOR + partition.length + 34 * SECTOR);
  disk[446 + 4] = 0xee;
  disk.writeUInt32LE(1, 446 + 8);
  disk.writeUInt32LE(0xffffffff, 446 + 12);
  disk.writeUInt16LE(0xaa55, 510);
  disk.write('EFI PART', SECTOR, 'latin1');
  disk.writeBigUInt64LE(2n, SECTOR + 72);
  disk.writeUInt32LE(128, SECTOR + 80);
  disk.writeUInt32LE(128, SECTOR + 84);
  (esp ? ESP_GUID : LINUX_GUID).copy(disk, 2 * SECTOR);
  disk.writeBigUInt64LE(BigInt(start), 2 * SECTOR + 32);
  disk.writeBigUInt64LE(BigInt(start + partition.length / SECTOR - 1), 2 * SECTOR + 40);
  partition.copy(disk, start * SECTOR);
  return disk;
}

/** An ISO 9660 volume with an El Torito catalog: a BIOS entry, an EFI entry pointing at `efiImage`, or both. */
export function isoImage(entries: { bios?: boolean; efiImage?: Buffer }): Buffer {
  const BLOCK = 2048;
  const efiBlock = 20;
  const size = (efiBlock + Math.ceil((entries.efiImage?.length ?? 0) / BLOCK) + 1) * BLOCK;
  const iso = Buffer.alloc(size);
  const descriptor = (n: number, type: number) => {
    const at = (16 + n) * BLOCK;
    iso[at] = type;
    iso.write('CD001', at + 1, 'latin1');
    iso[at + 6] = 1;
    return at;
  };
  const pvd = descriptor(0, 1);
  iso.write('HARNESS'.padEnd(32), pvd + 40, 'latin1');
  const boot = descriptor(1, 0);
  iso.write('EL TORITO SPECIFICATION', boot + 7, 'latin1');
  iso.writeUInt32LE(19, boot + 0x47);
  descriptor(2, 255);
  const catalog = 19 * BLOCK;
  iso[catalog] = 1;
  iso[catalog + 1] = entries.bios ? 0 : 0xef;
  iso[catalog + 30] = 0x55;
  iso[catalog + 31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + iso.readUInt16LE(catalog + i)) & 0xffff;
  iso.writeUInt16LE((0x10000 - sum) & 0xffff, catalog + 28);
  const initial = catalog + 32;
  iso[initial] = 0x88;
  iso.writeUInt32LE(entries.bios ? 30 : efiBlock, initial + 8);
  if (entries.bios && entries.efiImage) {
    iso[catalog + 64] = 0x91;
    iso[catalog + 65] = 0xef;
    iso.writeUInt16LE(1, catalog + 66);
    iso[catalog + 96] = 0x88;
    iso.writeUInt32LE(efiBlock, catalog + 104);
  }
  entries.efiImage?.copy(iso, efiBlock * BLOCK);
  return iso;
}

/** qcow2 v3 with 64 KiB clusters: every non-zero cluster of `raw` allocated after the tables. */
export function qcow2(raw: Buffer): Buffer {
  const cluster = 65536;
  const clusters = Math.ceil(raw.length / cluster);
  const parts: Buffer[] = [Buffer.alloc(cluster), Buffer.alloc(cluster), Buffer.alloc(cluster)];
  const header = parts[0]!;
  Buffer.from([0x51, 0x46, 0x49, 0xfb]).copy(header);
  header.writeUInt32BE(3, 4);
  header.writeUInt32BE(16, 20);
  header.writeBigUInt64BE(BigInt(raw.length), 24);
  header.writeUInt32BE(1, 36);
  header.writeBigUInt64BE(BigInt(cluster), 40);
  header.writeUInt32BE(104, 100);
  parts[1]!.writeBigUInt64BE(BigInt(2 * cluster) | (1n << 63n), 0);
  for (let i = 0; i < clusters; i++) {
    const data = raw.subarray(i * cluster, (i + 1) * cluster);
    if (!data.some((b) => b !== 0)) continue;
    parts[2]!.writeBigUInt64BE(BigInt(parts.length * cluster) | (1n << 63n), i * 8);
    parts.push(Buffer.concat([data, Buffer.alloc(cluster - data.length)]));
  }
  return Buffer.concat(parts);
}

function vhdFooter(size: number, type: 2 | 3, dataOffset: bigint): Buffer {
  const f = Buffer.alloc(SECTOR);
  f.write('conectix', 0, 'latin1');
  f.writeBigUInt64BE(dataOffset, 16);
  f.writeBigUInt64BE(BigInt(size), 40);
  f.writeBigUInt64BE(BigInt(size), 48);
  f.writeUInt32BE(type, 60);
  return f;
}

export function vhdFixed(raw: Buffer): Buffer {
  return Buffer.concat([raw, vhdFooter(raw.length, 2, 0xffffffffffffffffn)]);
}

/** A dynamic VHD with 2 MiB blocks, every non-zero block allocated. */
export function vhdDynamic(raw: Buffer): Buffer {
  const block = 2 * 2 ** 20;
  const blocks = Math.ceil(raw.length / block);
  const footer = vhdFooter(raw.length, 3, 512n);
  const dyn = Buffer.alloc(1024);
  dyn.write('cxsparse', 0, 'latin1');
  dyn.writeBigUInt64BE(1536n, 16);
  dyn.writeUInt32BE(blocks, 28);
  dyn.writeUInt32BE(block, 32);
  const bat = Buffer.alloc(Math.ceil((blocks * 4) / SECTOR) * SECTOR, 0xff);
  const data: Buffer[] = [];
  let sector = (1536 + bat.length) / SECTOR;
  for (let i = 0; i < blocks; i++) {
    const part = raw.subarray(i * block, (i + 1) * block);
    if (!part.some((b) => b !== 0)) continue;
    bat.writeUInt32BE(sector, i * 4);
    data.push(Buffer.alloc(SECTOR, 0xff), Buffer.concat([part, Buffer.alloc(block - part.length)]));
    sector += 1 + block / SECTOR;
  }
  return Buffer.concat([footer, dyn, bat, ...data, footer]);
}

/** A monolithicSparse VMDK with 64 KiB grains and 512 entries per grain table. */
export function vmdkSparse(raw: Buffer): Buffer {
  const grain = 65536;
  const grains = Math.ceil(raw.length / grain);
  const perTable = 512;
  const tables = Math.ceil(grains / perTable);
  const header = Buffer.alloc(SECTOR);
  header.write('KDMV', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeBigUInt64LE(BigInt(raw.length / SECTOR), 12);
  header.writeBigUInt64LE(BigInt(grain / SECTOR), 20);
  header.writeUInt32LE(perTable, 44);
  const gdSector = 1;
  const gd = Buffer.alloc(Math.ceil((tables * 4) / SECTOR) * SECTOR);
  const gtStart = gdSector + gd.length / SECTOR;
  const gts = Buffer.alloc(tables * perTable * 4);
  for (let t = 0; t < tables; t++) gd.writeUInt32LE(gtStart + (t * perTable * 4) / SECTOR, t * 4);
  header.writeBigUInt64LE(BigInt(gdSector), 56);
  const data: Buffer[] = [];
  let sector = gtStart + gts.length / SECTOR;
  for (let i = 0; i < grains; i++) {
    const part = raw.subarray(i * grain, (i + 1) * grain);
    if (!part.some((b) => b !== 0)) continue;
    gts.writeUInt32LE(sector, i * 4);
    data.push(Buffer.concat([part, Buffer.alloc(grain - part.length)]));
    sector += grain / SECTOR;
  }
  return Buffer.concat([header, gd, gts, ...data]);
}
