/**
 * What one boot attaches, decided from the image and the checked options before anything is
 * created: the firmware, a direct kernel boot or a boot drive, data disks, and how case files get in.
 * Pure, so every image kind's plan is testable without QEMU.
 */
import type { DiskImage, GuestLayout, KernelImage } from '../platform.js';
import type { Firmware } from './firmware.js';
import type { DataDisk, DiskBus } from './options.js';
import { withConsole, type ArchProfile } from './profiles.js';

/** Where the bundled images' init and the agent keep things; the payload lands in the initrd there. */
export const GUEST_LAYOUT: GuestLayout = { state: '/run/harness', payload: '/harness', containers: '/containers' };
/** An image booted from a disk may have a read-only root: case files go to a tmpfs every image has. */
export const DISK_LAYOUT: GuestLayout = { state: '/run/harness', payload: '/run/harness-payload', containers: '/containers' };

/** QEMU's block driver for each detected format. */
const QEMU_FORMAT: Readonly<Record<DiskImage['format'], string>> = { iso: 'raw', raw: 'raw', qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk' };

export type PlannedDrive =
  /** The user's file as the backing of a private qcow2 overlay: the guest writes, the file never changes. */
  | { source: 'overlay'; backing: string; backingFormat?: string; bus: DiskBus; boot: boolean; serial?: string }
  /** Attached read-only as it is: a CD, a root file system image. */
  | { source: 'readonly'; file: string; media: 'disk' | 'cdrom'; bus: DiskBus; boot: boolean }
  | { source: 'new'; bytes: number; bus: DiskBus; serial: string };

export interface BootPlan {
  firmware: Firmware;
  kernel?: { path: string; initrd?: string; cmdline: string };
  drives: PlannedDrive[];
  /** 'initrd': case files appended to a copy of the initrd; 'agent': sent through the agent after it starts. */
  payload: 'initrd' | 'agent';
  layout: GuestLayout;
}

/** LinuxKit's kernel+squashfs convention: the root file system is the first virtio disk. */
function rootCmdline(cmdline: string, image: KernelImage): string {
  if (!image.root || /(^|\s)root=/.test(cmdline)) return cmdline;
  return `${cmdline} root=/dev/vda`;
}

function dataDrives(disks: readonly DataDisk[], bus: DiskBus): PlannedDrive[] {
  return disks.map((d, i) =>
    d.kind === 'new' ? { source: 'new', bytes: d.bytes, bus, serial: `harness-data${i}` } : { source: 'overlay', backing: d.path, bus, boot: false, serial: `harness-data${i}` },
  );
}

export interface PlanInput {
  profile: ArchProfile;
  image: KernelImage | DiskImage;
  firmware: Firmware;
  disks: readonly DataDisk[];
  diskBus: DiskBus;
  payloadVia: 'initrd' | 'agent';
}

export function planBoot({ profile, image, firmware, disks, diskBus, payloadVia }: PlanInput): BootPlan {
  if (image.kind === 'kernel') {
    // The root image is virtio-blk whatever --disk-bus says: root=/dev/vda is the convention.
    const root: PlannedDrive[] = image.root ? [{ source: 'readonly', file: image.root.path, media: 'disk', bus: 'virtio-blk', boot: false }] : [];
    const viaInitrd = payloadVia === 'initrd' && image.initrd !== undefined && !image.root;
    return {
      firmware,
      kernel: { path: image.kernel, ...(image.initrd && { initrd: image.initrd }), cmdline: rootCmdline(withConsole(profile, image.cmdline), image) },
      drives: [...root, ...dataDrives(disks, diskBus)],
      payload: viaInitrd ? 'initrd' : 'agent',
      layout: viaInitrd ? GUEST_LAYOUT : DISK_LAYOUT,
    };
  }
  const boot: PlannedDrive =
    image.format === 'iso'
      ? { source: 'readonly', file: image.path, media: 'cdrom', bus: diskBus, boot: true }
      : { source: 'overlay', backing: image.path, backingFormat: QEMU_FORMAT[image.format], bus: diskBus, boot: true };
  return { firmware, drives: [boot, ...dataDrives(disks, diskBus)], payload: 'agent', layout: DISK_LAYOUT };
}
