import type { Arch } from '../../harness/model/types.js';
import { driveArgs, type Drive } from './drives.js';
import { fwCfgArgs, pflashArgs } from './firmware.js';
import { networkArgs, type Network } from './network.js';

/** Per-architecture facts QEMU needs; one table so a new arch is one entry (kola's qemu.go style). */
export interface ArchProfile {
  arch: Arch;
  binary: string;
  machine: string;
  cpu?: string;
  /** Kernel console device, for `console=` on the command line. */
  console: string;
  /** virtio transport: PCI on x86_64/arm64, channel I/O on s390x. */
  virtio: 'pci' | 'ccw';
  /** The machine has an IDE/AHCI controller for CDs (q35 does; virt and s390-ccw-virtio do not). */
  ide: boolean;
  /** Only this host arch can use KVM for the profile. */
  kvmHostArch: NodeJS.Architecture;
  /** Firmware files QEMU loads from its data folders for this machine, even with -kernel. */
  firmware: string[];
}

export const PROFILES: Record<Arch, ArchProfile> = {
  x86_64: {
    arch: 'x86_64',
    binary: 'qemu-system-x86_64',
    machine: 'q35',
    console: 'ttyS0',
    virtio: 'pci',
    ide: true,
    kvmHostArch: 'x64',
    firmware: ['bios-256k.bin'],
  },
  arm64: {
    arch: 'arm64',
    binary: 'qemu-system-aarch64',
    machine: 'virt',
    // cortex-a57 boots in 1.4 s under TCG here; `-cpu max` took 6.6 s.
    cpu: 'cortex-a57',
    console: 'ttyAMA0',
    virtio: 'pci',
    ide: false,
    kvmHostArch: 'arm64',
    // virt boots -kernel directly, without firmware.
    firmware: [],
  },
  s390x: {
    arch: 's390x',
    binary: 'qemu-system-s390x',
    machine: 's390-ccw-virtio',
    console: 'ttysclp0',
    virtio: 'ccw',
    ide: false,
    kvmHostArch: 's390x',
    firmware: ['s390-ccw.img'],
  },
};

export type Accel = 'kvm' | 'tcg';

export interface QemuArgs {
  accel: Accel;
  memoryMiB: number;
  smp: number;
  /** Direct kernel boot; absent when the firmware boots a drive. */
  kernel?: { path: string; initrd?: string; cmdline: string };
  /** UEFI flashes: the code and this boot's own variable store. */
  pflash?: { code: string; vars: string };
  fwCfg?: readonly { name: string; file: string }[];
  drives?: readonly Drive[];
  network?: Network;
  /** Unix socket the host listens on for the agent's virtio-serial port. */
  channelSocket?: string;
}

/** Name of the guest's virtio-serial port; the agent looks it up under /sys/class/virtio-ports. */
export const CHANNEL_PORT_NAME = 'harness.0';

/**
 * The whole QEMU argv as a list, so it can be logged and rerun by hand. The console is QEMU's stdio:
 * the pipe exists before the guest runs, so no early boot byte is lost.
 */
export function qemuArgv(profile: ArchProfile, args: QemuArgs): string[] {
  const argv = [
    '-M', profile.machine,
    '-accel', args.accel,
    ...(profile.cpu ? ['-cpu', profile.cpu] : []),
    '-m', String(args.memoryMiB),
    '-smp', String(args.smp),
    '-nodefaults',
    '-display', 'none',
    '-no-reboot',
    '-chardev', 'stdio,id=con0,signal=off',
    '-serial', 'chardev:con0',
    ...(args.pflash ? pflashArgs(args.pflash) : []),
    ...fwCfgArgs(args.fwCfg ?? []),
  ];
  if (args.kernel) {
    argv.push('-kernel', args.kernel.path, ...(args.kernel.initrd ? ['-initrd', args.kernel.initrd] : []), '-append', args.kernel.cmdline);
  }
  argv.push(...driveArgs(profile, args.drives ?? []), ...(args.network ? networkArgs(profile, args.network) : []));
  if (args.channelSocket) {
    argv.push(
      '-device', `virtio-serial-${profile.virtio},id=vser0`,
      '-chardev', `socket,id=agent0,path=${args.channelSocket}`,
      '-device', `virtserialport,bus=vser0.0,chardev=agent0,name=${CHANNEL_PORT_NAME}`,
    );
  }
  return argv;
}

/**
 * Makes the profile's console the kernel's /dev/console (the last `console=` wins), keeping the
 * image's other words and any options it gave that console (`ttyS0,115200`).
 */
export function withConsole(profile: ArchProfile, cmdline: string): string {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const ours = (w: string) => w === `console=${profile.console}` || w.startsWith(`console=${profile.console},`);
  const kept = words.find(ours) ?? `console=${profile.console}`;
  return [...words.filter((w) => !ours(w)), kept].join(' ');
}
