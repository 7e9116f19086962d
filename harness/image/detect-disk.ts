/**
 * What a disk or CD image is, from its bytes: the container (raw, qcow2, VHD, VMDK), then inside it
 * an ISO 9660 volume with El Torito entries or an MBR/GPT disk, and the EFI binaries that say its
 * architecture. Every field read is bounded and checked; damage is DamagedImage with the reason.
 */
import type { Arch } from '../model/types.js';
import type { DiskFormat, DiskImage } from '../../platforms/platform.js';
import { DamagedImage, sliceSource, type ByteSource } from './byte-source.js';
import { readFatFile } from './fat.js';
import { isIso9660, readIso } from './iso9660.js';
import { readPartitionTable } from './partitions.js';
import { peArch } from './pe.js';
import { containerOf, guestDisk } from './virtual-disk.js';

/** The removable-media boot paths UEFI tries on a fresh NVRAM, which is what every boot here has. */
const EFI_BOOT_FILES: readonly string[] = ['BOOTX64.EFI', 'BOOTAA64.EFI'];
const PE_HEAD = 4096;

export type DiskFacts = Omit<DiskImage, 'kind' | 'name' | 'path'>;

/** Why a file is not a bootable image: said to the user as is, after the file's name. */
export class NotAnImage extends Error {
  override readonly name = 'NotAnImage';
}

/** Architectures of the EFI boot binaries on a FAT volume. */
async function efiArches(fat: ByteSource): Promise<Arch[]> {
  const arches: Arch[] = [];
  for (const name of EFI_BOOT_FILES) {
    const head = await readFatFile(fat, ['EFI', 'BOOT', name], PE_HEAD);
    const arch = head && peArch(head);
    if (arch && !arches.includes(arch)) arches.push(arch);
  }
  return arches;
}

async function isoFacts(disk: ByteSource): Promise<Omit<DiskFacts, 'format'>> {
  const iso = await readIso(disk);
  if (!iso.boot.length) throw new NotAnImage('an ISO 9660 image without an El Torito boot record: no firmware can boot it');
  const bios = iso.boot.some((e) => e.platform === 'bios');
  const arches: Arch[] = [];
  for (const entry of iso.boot.filter((e) => e.platform === 'efi')) {
    for (const arch of await efiArches(sliceSource(disk, entry.start, disk.size - entry.start))) if (!arches.includes(arch)) arches.push(arch);
  }
  const uefi = arches.length > 0;
  if (!bios && !uefi) throw new NotAnImage('an ISO whose El Torito entries are neither BIOS nor an EFI image with EFI/BOOT/BOOT*.EFI');
  return {
    detail: `ISO 9660 "${iso.volumeId}", El Torito ${[bios && 'BIOS', uefi && 'EFI'].filter(Boolean).join('+')}`,
    firmware: { bios, uefi },
    arches: uefi ? arches : ['x86_64'],
  };
}

async function partitionedFacts(disk: ByteSource): Promise<Omit<DiskFacts, 'format'> | undefined> {
  const table = await readPartitionTable(disk);
  if (!table) return undefined;
  const arches: Arch[] = [];
  const esps = table.partitions.filter((p) => p.kind === 'esp');
  for (const esp of esps) for (const arch of await efiArches(sliceSource(disk, esp.start, esp.size))) if (!arches.includes(arch)) arches.push(arch);
  const uefi = arches.length > 0;
  // GRUB on GPT keeps its BIOS core in a BIOS boot partition; on MBR, boot code alone says BIOS.
  const bios = table.mbrBootCode && (table.scheme === 'mbr' || table.partitions.some((p) => p.kind === 'bios-boot'));
  if (!bios && !uefi) {
    const why = esps.length ? 'its ESP has no EFI/BOOT/BOOTX64.EFI or BOOTAA64.EFI' : 'it has no ESP and no MBR boot code';
    throw new NotAnImage(`a ${table.scheme.toUpperCase()} disk that no firmware can boot: ${why}`);
  }
  const esp = esps.length ? `ESP with ${arches.map((a) => (a === 'arm64' ? 'BOOTAA64.EFI' : 'BOOTX64.EFI')).join(', ') || 'no EFI boot binary'}` : 'no ESP';
  return {
    detail: `${table.scheme.toUpperCase()}, ${esp}${bios ? ', BIOS boot code' : ''}`,
    firmware: { bios, uefi },
    arches: uefi ? arches : ['x86_64'],
  };
}

/** The guest disk's facts: ISO or partitioned disk, else NotAnImage saying what it looks like. */
async function innerFacts(disk: ByteSource): Promise<Omit<DiskFacts, 'format'> & { iso: boolean }> {
  if (isIso9660(await disk.read(16 * 2048, 2048))) return { ...(await isoFacts(disk)), iso: true };
  const partitioned = await partitionedFacts(disk);
  if (partitioned) return { ...partitioned, iso: false };
  const head = await disk.read(0, 2048);
  if (head.toString('latin1', 0, 4) === 'hsqs') throw new NotAnImage('a squashfs root file system: name it <prefix>-squashfs.img beside <prefix>-kernel and pass the prefix');
  if (head.length >= 1028 && head.readUInt32LE(1024) === 0xe0f5e1e2) throw new NotAnImage('an EROFS root file system: name it <prefix>-erofs.img beside <prefix>-kernel and pass the prefix');
  throw new NotAnImage('neither an ISO 9660 image nor a disk with an MBR or GPT partition table');
}

const CONTAINER_FORMATS: Readonly<Record<string, DiskFormat>> = { qcow2: 'qcow2', vhd: 'vhd', vmdk: 'vmdk' };

/**
 * Facts of a disk image file. `openExtent` opens a VMDK descriptor's extent by the name it gives,
 * relative to the descriptor's folder (or refuses); the caller closes what it opened.
 */
export async function detectDisk(file: ByteSource, openExtent: (name: string) => Promise<ByteSource>): Promise<DiskFacts> {
  const head = await file.read(0, 512);
  if (head.toString('latin1', 0, 21) === '# Disk DescriptorFile') return vmdkDescriptor(file, openExtent);
  if (file.size < 512) throw new NotAnImage(`only ${file.size} bytes: too small for any disk image`);
  const tail = await file.read(file.size - 512, 512);
  const container = containerOf(head, tail);
  if (container) {
    const { header, disk } = await guestDisk(file, container);
    const inner = await innerFacts(disk);
    return { format: CONTAINER_FORMATS[container]!, detail: `${header.detail}, ${inner.detail}`, firmware: inner.firmware, arches: inner.arches };
  }
  const inner = await innerFacts(file);
  return { format: inner.iso ? 'iso' : 'raw', detail: inner.detail, firmware: inner.firmware, arches: inner.arches };
}

const MAX_DESCRIPTOR = 64 * 1024;

/** A VMDK descriptor file: its extents hold the disk. One FLAT or SPARSE extent is looked into. */
async function vmdkDescriptor(file: ByteSource, openExtent: (name: string) => Promise<ByteSource>): Promise<DiskFacts> {
  const text = (await file.read(0, MAX_DESCRIPTOR)).toString('latin1');
  const extents = [...text.matchAll(/^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(FLAT|SPARSE|VMFS|ZERO)(?:\s+"([^"]*)"(?:\s+(\d+))?)?/gm)];
  if (!extents.length) throw new NotAnImage('a VMDK descriptor without extent lines');
  const createType = /^createType\s*=\s*"([^"]*)"/m.exec(text)?.[1] ?? 'unknown';
  const [only] = extents;
  if (extents.length > 1 || !only?.[4]) throw new DamagedImage(`VMDK descriptor (${createType}) with ${extents.length} extents: only single-extent descriptors are looked into`);
  const extent = await openExtent(only[4]);
  const bytes = Number(only[2]) * 512;
  if (only[3] === 'SPARSE') {
    const { disk } = await guestDisk(extent, 'vmdk');
    const inner = await innerFacts(disk);
    return { format: 'vmdk', detail: `VMDK ${createType}, ${inner.detail}`, firmware: inner.firmware, arches: inner.arches };
  }
  const inner = await innerFacts(sliceSource(extent, Number(only[5] ?? 0) * 512, bytes));
  return { format: 'vmdk', detail: `VMDK ${createType}, ${inner.detail}`, firmware: inner.firmware, arches: inner.arches };
}
