/**
 * Which firmware boots an image, the files it needs, and its QEMU arguments. x86_64 has SeaBIOS and
 * OVMF, arm64 boots a kernel directly or a disk through AAVMF, s390x boots kernels only: a disk there
 * needs zipl, which no image here carries.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../harness/model/errors.js';
import type { Arch } from '../../harness/model/types.js';
import type { DiskImage, KernelImage } from '../platform.js';
import { optionValue } from './drives.js';
import type { FirmwareWish } from './options.js';
import type { ArchProfile } from './profiles.js';

/** Where Debian's QEMU looks for the firmware it loads by itself (qemu-system-data, seabios). */
export const FIRMWARE_DIRS = ['/usr/share/qemu', '/usr/share/seabios'];

export type FirmwareKind = 'seabios' | 'ovmf' | 'aavmf' | 's390-ccw' | 'none';

/** UEFI as two pflash devices: the code read-only, and a private copy of the variable store per boot. */
export interface Pflash {
  code: string;
  vars: string;
  /** QEMU's virt machine maps both flashes as 64 MiB: smaller files are padded in the copy. */
  padTo?: number;
}

/** A file the firmware reads from QEMU's fw_cfg, written into the boot's folder. */
export interface FwCfgFile {
  name: string;
  bytes: readonly number[];
}

export interface Firmware {
  kind: FirmwareKind;
  /** Files that must exist, each with the Debian package that brings it. */
  needs: { file: string; package: string }[];
  pflash?: Pflash;
  fwCfg?: readonly FwCfgFile[];
}

/**
 * SeaBIOS prints to VGA only, and -nodefaults leaves no VGA: etc/sercon-port (a little-endian port
 * number) makes it mirror its text screen, and a BIOS GRUB's, to the serial port at 0x3f8.
 */
const SEABIOS_SERCON: FwCfgFile = { name: 'etc/sercon-port', bytes: [0xf8, 0x03] };

const UEFI: Partial<Record<Arch, { kind: FirmwareKind; pflash: Pflash; package: string }>> = {
  x86_64: { kind: 'ovmf', package: 'ovmf', pflash: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' } },
  arm64: {
    kind: 'aavmf',
    package: 'qemu-efi-aarch64',
    pflash: { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', padTo: 64 * 2 ** 20 },
  },
};

/** What QEMU loads by itself when no firmware is named, with its package. */
const BUILTIN: Readonly<Record<Arch, { kind: FirmwareKind; package: string }>> = {
  x86_64: { kind: 'seabios', package: 'seabios' },
  arm64: { kind: 'none', package: 'qemu-system-arm' },
  s390x: { kind: 's390-ccw', package: 'qemu-system-data' },
};

function builtin(profile: ArchProfile): Firmware {
  const { kind, package: pkg } = BUILTIN[profile.arch];
  return { kind, needs: profile.firmware.map((file) => ({ file, package: pkg })), ...(kind === 'seabios' && { fwCfg: [SEABIOS_SERCON] }) };
}

function uefi(profile: ArchProfile, flag: string): Firmware {
  const entry = UEFI[profile.arch];
  if (!entry) throw new UsageError(flag, `${profile.arch} has no UEFI firmware here; it boots kernel images directly`);
  return { kind: entry.kind, pflash: entry.pflash, needs: [entry.pflash.code, entry.pflash.vars].map((file) => ({ file, package: entry.package })) };
}

/**
 * The firmware for `image` on this arch. `wish` is `--firmware`: auto picks UEFI for a disk that has
 * an EFI binary for the arch and BIOS otherwise; a wish the image or arch cannot meet is a UsageError.
 */
export function chooseFirmware(profile: ArchProfile, image: KernelImage | DiskImage, wish: FirmwareWish): Firmware {
  const arch = profile.arch;
  if (image.kind === 'kernel') {
    if (wish === 'uefi') return uefi(profile, '--firmware');
    if (wish === 'bios' && arch !== 'x86_64') throw new UsageError('--firmware', `bios is SeaBIOS, which only x86_64 has`);
    return builtin(profile);
  }
  if (arch === 's390x') {
    throw new UsageError('--image', `${image.name}: s390x boots disks only through zipl, the s390 boot loader, which QEMU's s390-ccw firmware needs on the disk; boot it as a kernel image (<prefix>-kernel, -initrd.img) instead`);
  }
  if (!image.arches.includes(arch)) throw new UsageError('--image', `${image.name} is a ${image.format} image for ${image.arches.join(', ')} (${image.detail}), but the platform is ${arch}`);
  const efi = image.firmware.uefi && image.arches.includes(arch);
  if (wish === 'uefi' || (wish === 'auto' && efi)) {
    if (!efi) throw new UsageError('--firmware', `uefi, but ${image.name} has no EFI boot binary for ${arch} (${image.detail})`);
    return uefi(profile, '--firmware');
  }
  if (arch !== 'x86_64') throw new UsageError('--image', `${image.name} has no EFI boot binary for ${arch} (${image.detail}), and only x86_64 has a BIOS`);
  if (!image.firmware.bios) throw new UsageError(wish === 'bios' ? '--firmware' : '--image', `${image.name} cannot be booted by a BIOS (${image.detail})`);
  return builtin(profile);
}

/** The needed files that are missing, as "file (package)": QEMU would refuse to start without them. */
export function missingFirmware(firmware: Firmware, dirs: readonly string[] = FIRMWARE_DIRS): string[] {
  const found = (file: string) => (file.startsWith('/') ? existsSync(file) : dirs.some((dir) => existsSync(join(dir, file))));
  return firmware.needs.filter((n) => !found(n.file)).map((n) => `${n.file} (package ${n.package})`);
}

/** fw_cfg items from files; the name QEMU warns about (no "opt/" prefix) is the one SeaBIOS reads. */
export function fwCfgArgs(files: readonly { name: string; file: string }[]): string[] {
  return files.flatMap((f) => ['-fw_cfg', `name=${f.name},file=${optionValue(f.file)}`]);
}

/** The pflash drives; `vars` is the boot's private copy of the variable store, `code` a padded copy where one was needed. */
export function pflashArgs(files: { code: string; vars: string }): string[] {
  return [
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${optionValue(files.code)}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${optionValue(files.vars)}`,
  ];
}
