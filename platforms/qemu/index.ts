import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism, freemem } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { Slots } from '../../harness/lifecycle/slots.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import { UsageError } from '../../harness/model/errors.js';
import { ARCHES, type Arch } from '../../harness/model/types.js';
import { hostCpuModel } from '../../harness/metrics/host.js';
import type { Capabilities, Image, KernelImage, Lease, LeaseRequest, Platform, PlatformContext, PlatformFactory } from '../platform.js';
import { cachedProbe, type AccelChoice } from './accel.js';
import { FIRMWARE_DIRS, missingFirmware } from './firmware.js';
import { bootQemu } from './machine.js';
import { PROFILES } from './profiles.js';

export interface QemuPlatformOptions {
  reaper: Reaper;
  /** Where the accelerator probe's answers are kept between runs. */
  cacheDir: string;
  /** CPU slots shared by every QEMU platform of the run: TCG guests are CPU-bound. */
  slots: Slots;
  /** vCPUs per guest; TCG runs one thread per vCPU, so more than one only helps with spare cores. */
  smp?: number;
  /** 'console' leaves out the virtio-serial port, so frames share the console with the kernel (as on a one-UART board). */
  channel?: 'virtio' | 'console';
  /** How case files get in: appended to the initrd (default), or through the agent after boot. */
  payloadVia?: 'initrd' | 'agent';
}

/** A guest's RAM plus what QEMU itself takes around it under TCG (its code cache, the device model). */
const GUEST_FOOTPRINT_BYTES = (512 + 256) * 2 ** 20;

/**
 * Parallel guests that fit this host now: one per core, since TCG is CPU-bound and 4 guests on 2
 * cores nearly doubled the time to ready, and no more than free memory holds.
 */
export function defaultQemuSlots(cpus = availableParallelism(), freeBytes = freemem()): number {
  return Math.max(1, Math.min(cpus, Math.floor(freeBytes / GUEST_FOOTPRINT_BYTES)));
}

/** `qemu --version`'s first line, asked once per binary for the whole process. */
const versions = new Map<string, Promise<string | undefined>>();
function qemuVersion(binary: string): Promise<string | undefined> {
  let version = versions.get(binary);
  if (!version) {
    // node's own execFile: execa alone costs a fifth of a second to load, before QEMU can start.
    version = new Promise((resolve) => execFile(binary, ['--version'], (error, stdout) => resolve(error ? undefined : (stdout.split('\n')[0] ?? ''))));
    versions.set(binary, version);
  }
  return version;
}

function kernelOf(image: Image, name: string): KernelImage {
  if (image.kind !== 'kernel') throw new UsageError('--image', `${name} boots kernel images; "${image.name}" is a ${image.kind} image`);
  return image;
}

export function createQemuPlatform(arch: Arch, options: QemuPlatformOptions): Platform {
  const profile = PROFILES[arch];
  const name = `qemu:${arch}`;
  const accelByKernel = new Map<string, Promise<AccelChoice>>();
  const accelFor = (kernel: string) => {
    let choice = accelByKernel.get(kernel);
    if (!choice) {
      choice = Promise.all([readFile(kernel), qemuVersion(profile.binary)]).then(([bytes, version]) =>
        cachedProbe(join(options.cacheDir, 'accel.json'), profile, version ?? '', kernel, createHash('sha256').update(bytes).digest('hex')),
      );
      accelByKernel.set(kernel, choice);
    }
    return choice;
  };

  return {
    name,
    kind: 'qemu',
    arch,
    runs: 'kernel',
    // Sent through the agent, the payload comes after the sh agent started: too late to hand over.
    compiledAgent: (options.payloadVia ?? 'initrd') === 'initrd',
    async probe(image: Image): Promise<Capabilities> {
      const qemu = await qemuVersion(profile.binary);
      if (qemu === undefined) {
        return { available: false, accel: 'none', reason: `${profile.binary} is not installed (run: harness setup)`, notes: [] };
      }
      const missing = missingFirmware(profile);
      if (missing.length) {
        return { available: false, accel: 'none', reason: `firmware ${missing.join(', ')} not found in ${FIRMWARE_DIRS.join(' or ')} (run: harness setup)`, notes: [] };
      }
      const choice = await accelFor(kernelOf(image, name).kernel);
      return {
        available: true,
        arch,
        accel: choice.accel,
        notes: [qemu, choice.reason],
        fingerprint: { hostCpu: await hostCpuModel(), qemu, accel: choice.accel, machine: profile.machine, cpu: profile.cpu ?? 'default' },
      };
    },
    async lease(request: LeaseRequest): Promise<Lease> {
      const giveBack = await options.slots.acquire(request.signal);
      return {
        what: 'cpu slot',
        async start(image, startOptions) {
          const kernel = kernelOf(image, name);
          const { accel } = await accelFor(kernel.kernel);
          return bootQemu({ profile, accel, image: kernel, options: startOptions, reaper: options.reaper, smp: options.smp ?? 1, memoryMiB: 512, channel: options.channel ?? 'virtio', payloadVia: options.payloadVia ?? 'initrd' });
        },
        async release() {
          giveBack();
        },
      };
    },
  };
}

const SHORT_FORMS: readonly string[] = ARCHES;

function channelOption(value: unknown): 'virtio' | 'console' {
  if (value === undefined || value === 'virtio' || value === 'console') return value ?? 'virtio';
  throw new UsageError('--channel', `unknown channel "${String(value)}"; choose from virtio, console`);
}

/** `qemu` (all three arches), `qemu:<arch>`, and the bare arch as a short form. */
export const qemuFactory: PlatformFactory = {
  kind: 'qemu',
  forms: ['qemu', ...ARCHES.map((a) => `qemu:${a}`), ...SHORT_FORMS],
  options: [{ flags: '--channel <kind>', description: 'QEMU: agent frames over a virtio-serial port, or over the console as on a one-UART board', default: 'virtio' }],
  create(name: string, context: PlatformContext): Platform[] | undefined {
    const arches: Arch[] | undefined =
      name === 'qemu' ? [...ARCHES] : SHORT_FORMS.includes(name) ? [name as Arch] : name.startsWith('qemu:') && SHORT_FORMS.includes(name.slice(5)) ? [name.slice(5) as Arch] : undefined;
    if (!arches) return undefined;
    const channel = channelOption(context.options['channel']);
    const slots = context.shared('qemu-slots', () => new Slots(context.slots ?? defaultQemuSlots()));
    return arches.map((arch) => createQemuPlatform(arch, { reaper: context.reaper, cacheDir: context.cacheDir, slots, channel }));
  },
};
