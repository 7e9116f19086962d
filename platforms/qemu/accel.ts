import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { dirname } from 'node:path';
import type { Accel, ArchProfile } from './profiles.js';

export interface AccelChoice {
  accel: Accel;
  /** Why this accelerator: shown by `harness doctor` and recorded in every boot record. */
  reason: string;
}

const PROBE_TIMEOUT_MS = 15_000;
/** SeaBIOS prints its banner within milliseconds when the guest runs at all. */
const FIRMWARE_PROBE_TIMEOUT_MS = 3000;

/**
 * KVM counts only if a guest really boots with it: /dev/kvm exists on hosts where the guest then
 * hangs or QEMU asserts (seen here: "failed to set MSR 0x10a"). The probe boots the kernel without an
 * initrd; under working KVM it prints its banner and panics (no root) within a second or two.
 */
export async function probeKvm(profile: ArchProfile, kernel: string | undefined): Promise<AccelChoice> {
  if (process.arch !== profile.kvmHostArch) {
    return { accel: 'tcg', reason: `KVM needs a ${profile.kvmHostArch} host; this one is ${process.arch}` };
  }
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible' };
  }
  // Without a kernel (a disk image), SeaBIOS's banner under KVM shows the guest runs.
  const firmwareOnly = kernel === undefined;
  if (firmwareOnly && profile.arch !== 'x86_64') return { accel: 'tcg', reason: 'KVM is probed with a kernel image on this arch; using TCG for a disk image' };
  const timeout = firmwareOnly ? FIRMWARE_PROBE_TIMEOUT_MS : PROBE_TIMEOUT_MS;
  // Only on a cache miss: execa is slow to load, and most runs never get here.
  const { execa } = await import('execa');
  const result = await execa(
    profile.binary,
    [
      '-M', profile.machine, '-accel', 'kvm', '-m', '256', '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'stdio',
      ...(kernel ? ['-kernel', kernel, '-append', `console=${profile.console} panic=-1`] : []),
    ],
    { timeout, reject: false, stdin: 'ignore', all: true, forceKillAfterDelay: 1000 },
  );
  const output = result.all ?? '';
  if (firmwareOnly ? output.includes('SeaBIOS (version') : output.includes('Linux version') && /Kernel panic|Freeing unused kernel/.test(output)) {
    return { accel: 'kvm', reason: 'a probe guest booted under KVM' };
  }
  const why = result.timedOut
    ? `the probe guest hung for ${timeout / 1000} s`
    : `QEMU failed under KVM: ${lastLine(output) || `exit ${result.exitCode}`}`;
  return { accel: 'tcg', reason: `/dev/kvm exists but ${why}; using TCG` };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.slice(0, 200) ?? '';
}

/**
 * Probing costs up to 15 s when KVM hangs, so the answer is kept per QEMU binary version, host kernel
 * and guest kernel; anything that could change it changes the key.
 */
export async function cachedProbe(
  cacheFile: string,
  profile: ArchProfile,
  qemuVersion: string,
  kernel: string | undefined,
  kernelDigest: string,
): Promise<AccelChoice> {
  const version = qemuVersion;
  const key = [profile.binary, version, release(), kernelDigest].join('|');
  let cache: Record<string, AccelChoice> = {};
  try {
    cache = JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, AccelChoice>;
  } catch {
    // No cache yet, or an unreadable one: probe again.
  }
  const hit = cache[key];
  if (hit) return hit;
  const choice = await probeKvm(profile, kernel);
  cache[key] = choice;
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify(cache, null, 1));
  return choice;
}
