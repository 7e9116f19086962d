/** Block devices as QEMU arguments: the image disk or CD, a root file system, data disks. */
import type { DiskBus } from './options.js';
import type { ArchProfile } from './profiles.js';

export interface Drive {
  file: string;
  format: 'raw' | 'qcow2';
  media: 'disk' | 'cdrom';
  /** Never written: a CD, a root file system image. Writable drives here are always private overlays. */
  readonly: boolean;
  bus: DiskBus;
  /** The firmware boots this one first. */
  boot?: boolean;
  /** What the guest sees as the disk's serial, to tell disks apart. */
  serial?: string;
}

/** A comma in a QEMU option value is written twice; anything else would split the option. */
export function optionValue(text: string): string {
  return text.replaceAll(',', ',,');
}

/**
 * One -drive and -device per drive, in order: the guest names virtio-blk disks vda, vdb, … as they
 * come. A CD goes on AHCI (q35's IDE) unless virtio-scsi is asked for or the machine has no IDE.
 */
export function driveArgs(profile: ArchProfile, drives: readonly Drive[]): string[] {
  const argv: string[] = [];
  const scsi = drives.some((d) => d.bus === 'virtio-scsi' || (d.media === 'cdrom' && !profile.ide));
  if (scsi) argv.push('-device', `virtio-scsi-${profile.virtio},id=scsi0`);
  drives.forEach((d, i) => {
    const id = `drive${i}`;
    const options = [`file=${optionValue(d.file)}`, `format=${d.format}`, 'if=none', `id=${id}`, ...(d.media === 'cdrom' ? ['media=cdrom'] : []), ...(d.readonly ? ['readonly=on'] : [])];
    argv.push('-drive', options.join(','));
    const extra = [...(d.boot ? ['bootindex=0'] : []), ...(d.serial ? [`serial=${d.serial}`] : [])];
    const onScsi = d.bus === 'virtio-scsi' || (d.media === 'cdrom' && !profile.ide);
    const device =
      d.media === 'cdrom'
        ? onScsi ? `scsi-cd,bus=scsi0.0,drive=${id}` : `ide-cd,drive=${id}`
        : onScsi ? `scsi-hd,bus=scsi0.0,drive=${id}` : `virtio-blk-${profile.virtio},drive=${id}`;
    argv.push('-device', [device, ...extra].join(','));
  });
  return argv;
}
