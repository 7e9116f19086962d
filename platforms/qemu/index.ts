import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { availableParallelism, freemem } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { formatName } from '../../harness/image/open-image.js';
import { Slots } from '../../harness/lifecycle/slots.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import { UsageError } from '../../harness/model/errors.js';
import { ARCHES, type Arch } from '../../harness/model/types.js';
import { hostCpuModel } from '../../harness/metrics/host.js';
import type { Capabilities, DiskImage, Image, KernelImage, Lease, LeaseRequest, Platform, PlatformContext, PlatformFactory } from '../platform.js';
import { cachedProbe, type AccelChoice } from './accel.js';
import { planBoot } from './boot-plan.js';
import { chooseFirmware, missingFirmware } from './firmware.js';
import { bootQemu } from './machine.js';
import { SnapshotCache } from './snapshot.js';
import type { BootPlan } from './boot-plan.js';
import { QEMU_OPTIONS, qemuSettings, type QemuSettings } from './options.js';
import { PROFILES } from './profiles.js';
import { overSsh } from './ssh-login.js';
import { freeLoopbackPort } from '../shared/free-port.js';

/** Boot to the guest printing its SSH host key, under TCG with UEFI firmware. */
const SSH_HOST_KEY_TIMEOUT_MS = 300_000;

export interface QemuPlatformOptions {
  reaper: Reaper;
  /** Where the accelerator probe's answers are kept between runs. */
  cacheDir: string;
  /** CPU slots shared by every QEMU platform of the run: TCG guests are CPU-bound. */
  slots: Slots;
  /** The checked `harness run` options; the defaults when absent. */
  settings?: QemuSettings;
  /** How case files get into a kernel+initrd boot: appended to the initrd (default), or through the agent after boot. */
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

function bootable(image: Image, name: string): KernelImage | DiskImage {
  if (image.kind === 'host') throw new UsageError('--image', `${name} boots kernel and disk images; "${image.name}" is the host itself`);
  return image;
}

export function createQemuPlatform(arch: Arch, options: QemuPlatformOptions): Platform {
  const profile = PROFILES[arch];
  const name = `qemu:${arch}`;
  const settings = options.settings ?? qemuSettings({});
  const accelByKernel = new Map<string, Promise<AccelChoice>>();
  // A disk image has no kernel file to probe KVM with; the firmware alone answers on x86_64.
  const accelFor = (image: KernelImage | DiskImage) => {
    const kernel = image.kind === 'kernel' ? image.kernel : undefined;
    const key = kernel ?? '';
    let choice = accelByKernel.get(key);
    if (!choice) {
      // The kernel by path, size and mtime, as the snapshots know it: reading and hashing 10+ MB on every run cost more than the probe it saves.
      const identity = kernel ? stat(kernel).then((s) => `${kernel}|${s.size}|${s.mtimeMs}`) : Promise.resolve('firmware only');
      choice = Promise.all([identity, qemuVersion(profile.binary)]).then(([id, version]) =>
        cachedProbe(join(options.cacheDir, 'accel.json'), profile, version ?? '', kernel, createHash('sha256').update(id).digest('hex')),
      );
      accelByKernel.set(key, choice);
    }
    return choice;
  };
  const login = settings.login;
  const snapshots = new SnapshotCache(settings.snapshotCache ?? join(options.cacheDir, 'snapshots'));
  const saving = new Set<string>();
  /**
   * A saved state stands in for a boot of the image alone: a kernel and initrd, nothing on disks
   * (their writes are not in the state), a root shell on the console, and a session that needs no real boot.
   */
  const snapshotFor = async (image: KernelImage | DiskImage, plan: BootPlan, freshBoot: boolean) => {
    if (!settings.snapshot || freshBoot || image.kind !== 'kernel' || plan.drives.length || !plan.kernel?.initrd || login.kind !== 'console' || login.user) return undefined;
    const qemuVersionText = await qemuVersion(profile.binary);
    return qemuVersionText === undefined ? undefined : { cache: snapshots, qemuVersion: qemuVersionText, saving };
  };

  return {
    name,
    kind: 'qemu',
    arch,
    runs: 'kernel',
    // Shared by every QEMU target of the run: the slots are the host's cores.
    parallel: options.slots.size,
    secrets: () => (login.kind === 'console' && login.password ? [login.password] : []),
    async probe(given: Image): Promise<Capabilities> {
      const image = bootable(given, name);
      const qemu = await qemuVersion(profile.binary);
      if (qemu === undefined) {
        return { available: false, accel: 'none', reason: `${profile.binary} is not installed (run: harness setup)`, notes: [] };
      }
      const firmware = chooseFirmware(profile, image, settings.firmware);
      const missing = missingFirmware(firmware);
      if (missing.length) {
        return { available: false, accel: 'none', reason: `firmware ${missing.join(', ')} not found (run: harness setup)`, notes: [] };
      }
      const choice = await accelFor(image);
      const format = formatName(image);
      return {
        available: true,
        arch,
        accel: choice.accel,
        notes: [qemu, choice.reason, `firmware ${firmware.kind}`, `image ${format}${image.kind === 'disk' ? ` (${image.detail})` : ''}`],
        fingerprint: { hostCpu: await hostCpuModel(), qemu, accel: choice.accel, machine: profile.machine, cpu: profile.cpu ?? 'default', imageFormat: format, firmware: firmware.kind },
      };
    },
    async lease(request: LeaseRequest): Promise<Lease> {
      const giveBack = await options.slots.acquire(request.signal);
      return {
        what: 'cpu slot',
        async start(given, startOptions) {
          const image = bootable(given, name);
          const { accel } = await accelFor(image);
          const firmware = chooseFirmware(profile, image, settings.firmware);
          const plan = planBoot({ profile, image, firmware, disks: settings.disks, diskBus: settings.diskBus, payloadVia: options.payloadVia ?? 'initrd' });
          const snapshot = await snapshotFor(image, plan, startOptions.freshBoot);
          const sshPort = login.kind === 'ssh' ? await freeLoopbackPort() : undefined;
          const forwards = [...settings.publish, ...(login.kind === 'ssh' && sshPort ? [{ host: sshPort, guest: login.guestPort }] : [])];
          const qemu = await bootQemu({
            ...(snapshot && { snapshot }),
            profile,
            accel,
            plan,
            options: startOptions,
            reaper: options.reaper,
            smp: settings.cpus,
            memoryMiB: settings.memoryMiB,
            channel: settings.channel,
            network: { mode: settings.networking, forwards },
            ...(login.kind === 'console' && login.user && { login: { user: login.user, ...(login.password && { password: login.password }) } }),
          });
          if (login.kind !== 'ssh' || !sshPort) return qemu;
          return overSsh(qemu, {
            port: sshPort,
            user: login.user,
            identity: login.identity,
            ...(login.hostKey && { hostKey: login.hostKey }),
            containers: plan.layout.containers,
            reaper: options.reaper,
            onPhase: startOptions.onPhase,
            timeoutMs: SSH_HOST_KEY_TIMEOUT_MS,
          });
        },
        async release() {
          giveBack();
        },
      };
    },
  };
}

const SHORT_FORMS: readonly string[] = ARCHES;

/** `qemu` (all three arches), `qemu:<arch>`, and the bare arch as a short form. */
export const qemuFactory: PlatformFactory = {
  kind: 'qemu',
  forms: ['qemu', ...ARCHES.map((a) => `qemu:${a}`), ...SHORT_FORMS],
  options: QEMU_OPTIONS,
  create(name: string, context: PlatformContext): Platform[] | undefined {
    const arches: Arch[] | undefined =
      name === 'qemu' ? [...ARCHES] : SHORT_FORMS.includes(name) ? [name as Arch] : name.startsWith('qemu:') && SHORT_FORMS.includes(name.slice(5)) ? [name.slice(5) as Arch] : undefined;
    if (!arches) return undefined;
    const settings = qemuSettings(context.options, context.env ?? {});
    const slots = context.shared('qemu-slots', () => new Slots(context.slots ?? defaultQemuSlots()));
    return arches.map((arch) => createQemuPlatform(arch, { reaper: context.reaper, cacheDir: context.cacheDir, slots, settings }));
  },
};
