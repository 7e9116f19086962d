import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import type { Arch } from '../../harness/model/types.js';
import type { BootOptions, Capabilities, Image, Machine, Platform } from '../platform.js';
import { hostCpuModel } from '../../harness/metrics/host.js';
import { cachedProbe, type AccelChoice } from './accel.js';
import { FIRMWARE_DIRS, missingFirmware } from './firmware.js';
import { bootQemu } from './machine.js';
import { PROFILES } from './profiles.js';

export interface QemuPlatformOptions {
  reaper: Reaper;
  /** Where the accelerator probe's answers are kept between runs. */
  cacheDir: string;
  /** vCPUs per guest; TCG runs one thread per vCPU, so more than one only helps with spare cores. */
  smp?: number;
  /** 'console' leaves out the virtio-serial port, so frames share the console with the kernel (as on a one-UART board). */
  channel?: 'virtio' | 'console';
}

export function createQemuPlatform(arch: Arch, options: QemuPlatformOptions): Platform {
  const profile = PROFILES[arch];
  const accelByKernel = new Map<string, Promise<AccelChoice>>();

  const accelFor = (kernel: string) => {
    let choice = accelByKernel.get(kernel);
    if (!choice) {
      choice = readFile(kernel).then((bytes) =>
        cachedProbe(join(options.cacheDir, 'accel.json'), profile, kernel, createHash('sha256').update(bytes).digest('hex')),
      );
      accelByKernel.set(kernel, choice);
    }
    return choice;
  };

  return {
    name: `qemu-${arch}`,
    kind: 'qemu',
    arch,
    async probe(image: Image): Promise<Capabilities> {
      const version = await execa(profile.binary, ['--version'], { reject: false });
      if (version.failed) {
        return { available: false, accel: 'none', reason: `${profile.binary} is not installed (run: harness setup)`, notes: [] };
      }
      const missing = missingFirmware(profile);
      if (missing.length) {
        return { available: false, accel: 'none', reason: `firmware ${missing.join(', ')} not found in ${FIRMWARE_DIRS.join(' or ')} (run: harness setup)`, notes: [] };
      }
      const choice = await accelFor(image.kernel);
      const qemu = version.stdout.split('\n')[0] ?? '';
      return {
        available: true,
        accel: choice.accel,
        notes: [qemu, choice.reason],
        fingerprint: { hostCpu: await hostCpuModel(), qemu, accel: choice.accel, machine: profile.machine, cpu: profile.cpu ?? 'default' },
      };
    },
    async boot(image: Image, bootOptions: BootOptions): Promise<Machine> {
      const { accel } = await accelFor(image.kernel);
      return bootQemu({ profile, accel, image, cmdline: image.cmdline, options: bootOptions, reaper: options.reaper, smp: options.smp ?? 1, channel: options.channel ?? 'virtio' });
    },
  };
}
