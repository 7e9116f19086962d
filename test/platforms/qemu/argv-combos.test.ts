import { describe, expect, it } from 'vitest';
import type { DiskImage, KernelImage } from '../../../platforms/platform.js';
import { bootDrives, bootFwCfg, bootPflash } from '../../../platforms/qemu/boot-files.js';
import { planBoot } from '../../../platforms/qemu/boot-plan.js';
import { chooseFirmware } from '../../../platforms/qemu/firmware.js';
import { qemuSettings } from '../../../platforms/qemu/options.js';
import { PROFILES, qemuArgv } from '../../../platforms/qemu/profiles.js';
import type { Arch } from '../../../harness/model/types.js';

const disk = (format: DiskImage['format'], firmware: DiskImage['firmware'], arches: Arch[]): DiskImage => ({
  kind: 'disk', name: `d.${format}`, path: `/images/d.${format}`, format, detail: '', firmware, arches,
});
const initrdImage: KernelImage = { kind: 'kernel', name: 'k', kernel: '/k', initrd: '/i', cmdline: 'console=tty0' };
const squashfs: KernelImage = { kind: 'kernel', name: 'k', kernel: '/k', initrd: '/i', cmdline: '', root: { path: '/k-squashfs.img', fs: 'squashfs' } };

/** The whole argv for one image and options, as the platform would build it in the folder /boot. */
function argvFor(arch: Arch, image: KernelImage | DiskImage, options: Record<string, unknown> = {}): string[] {
  const profile = PROFILES[arch];
  const settings = qemuSettings(options);
  const plan = planBoot({ profile, image, firmware: chooseFirmware(profile, image, settings.firmware), disks: settings.disks, diskBus: settings.diskBus, payloadVia: 'initrd' });
  const pflash = bootPflash(plan, '/boot');
  return qemuArgv(profile, {
    accel: 'tcg',
    memoryMiB: settings.memoryMiB,
    smp: settings.cpus,
    ...(plan.kernel && { kernel: plan.kernel }),
    ...(pflash && { pflash }),
    drives: bootDrives(plan, '/boot'),
    fwCfg: bootFwCfg(plan, '/boot'),
    network: { mode: settings.networking, forwards: settings.publish },
    channelSocket: '/boot/agent.sock',
  });
}

const COMBOS: [string, Arch, KernelImage | DiskImage, Record<string, unknown>][] = [
  ['x86_64 kernel+initrd, SeaBIOS', 'x86_64', initrdImage, {}],
  ['x86_64 kernel+initrd, OVMF', 'x86_64', initrdImage, { firmware: 'uefi' }],
  ['x86_64 kernel+squashfs with a data disk and user networking', 'x86_64', squashfs, { disk: ['size=1G'], publish: ['8022:22'] }],
  ['s390x kernel+squashfs (ccw)', 's390x', squashfs, { disk: ['size=64M'] }],
  ['x86_64 BIOS ISO, SeaBIOS', 'x86_64', disk('iso', { bios: true, uefi: false }, ['x86_64']), {}],
  ['x86_64 EFI ISO, OVMF', 'x86_64', disk('iso', { bios: false, uefi: true }, ['x86_64']), {}],
  ['x86_64 EFI ISO on virtio-scsi', 'x86_64', disk('iso', { bios: false, uefi: true }, ['x86_64']), { diskBus: 'virtio-scsi' }],
  ['x86_64 raw EFI disk, OVMF', 'x86_64', disk('raw', { bios: false, uefi: true }, ['x86_64']), {}],
  ['x86_64 raw BIOS disk, SeaBIOS, virtio-scsi', 'x86_64', disk('raw', { bios: true, uefi: false }, ['x86_64']), { diskBus: 'virtio-scsi' }],
  ['x86_64 qcow2, OVMF, data disk from a file', 'x86_64', disk('qcow2', { bios: false, uefi: true }, ['x86_64']), { disk: ['file=/data/d.raw'] }],
  ['x86_64 VHD, OVMF', 'x86_64', disk('vhd', { bios: false, uefi: true }, ['x86_64']), { cpus: '2', mem: '1G' }],
  ['x86_64 VMDK, OVMF', 'x86_64', disk('vmdk', { bios: false, uefi: true }, ['x86_64']), {}],
  ['arm64 EFI ISO, AAVMF', 'arm64', disk('iso', { bios: false, uefi: true }, ['arm64']), {}],
  ['arm64 raw EFI disk, AAVMF', 'arm64', disk('raw', { bios: false, uefi: true }, ['arm64']), {}],
];

describe('QEMU argv per firmware and disk', () => {
  it.each(COMBOS)('%s', (_title, arch, image, options) => {
    expect(argvFor(arch, image, options)).toMatchSnapshot();
  });

  it('never attaches the user\'s disk image for writing: an overlay in the boot folder takes the writes', () => {
    const argv = argvFor('x86_64', disk('qcow2', { bios: false, uefi: true }, ['x86_64'])).join(' ');
    expect(argv).not.toContain('/images/d.qcow2');
    expect(argv).toContain('file=/boot/disk0.qcow2');
  });

  it('attaches an ISO and a root file system read-only, as they are', () => {
    expect(argvFor('x86_64', disk('iso', { bios: true, uefi: false }, ['x86_64'])).join(' ')).toContain('file=/images/d.iso,format=raw,if=none,id=drive0,media=cdrom,readonly=on');
    const argv = argvFor('x86_64', squashfs);
    expect(argv.join(' ')).toContain('file=/k-squashfs.img,format=raw,if=none,id=drive0,readonly=on');
    expect(argv[argv.indexOf('-append') + 1]).toBe('console=ttyS0 root=/dev/vda');
  });

  it('binds published ports to 127.0.0.1 only', () => {
    const argv = argvFor('x86_64', initrdImage, { publish: ['8080:80', '2222:22'] });
    expect(argv[argv.indexOf('-netdev') + 1]).toBe('user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:2222-:22');
  });

  it('escapes commas in file names so they cannot add QEMU options', () => {
    const argv = argvFor('x86_64', { ...disk('iso', { bios: true, uefi: false }, ['x86_64']), path: '/x,format=qcow2.iso' });
    expect(argv.join(' ')).toContain('file=/x,,format=qcow2.iso,format=raw');
  });
});
