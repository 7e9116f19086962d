import type { Arch, GuestClockMark, Outcome, PhaseName } from '../model/types.js';

/**
 * What makes two boots comparable, as flat name → value pairs that each platform chooses: QEMU gives
 * host CPU, QEMU version, accelerator, machine and CPU model; an SSH host its host key, kernel, CPU
 * model and core count. The kernel and image digest are recorded beside it but are what a comparison
 * measures, not part of the key: a grown initrd must still find its baseline.
 */
export type Fingerprint = Readonly<Record<string, string>>;

export interface ImageIdentity {
  kernelVersion: string;
  /** sha256 of kernel, initrd and cmdline together. */
  imageDigest: string;
}

/** Image size in bytes. Components are uncompressed bytes of the initrd, by top-level part. */
export interface ImageSizes {
  kernel: number;
  initrd: number;
  initrdUncompressed: number;
  total: number;
  components: Record<string, number>;
}

/** The order boot phases happen in; intervals are named after the phase they end at. */
export const PHASE_ORDER: readonly PhaseName[] = [
  'spawn',
  'connect',
  'powerOn',
  'request',
  'running',
  'firstByte',
  'firmware',
  'bootloader',
  'imagesLoaded',
  'kernel',
  'init',
  'sshReady',
  'ready',
  'firstCase',
  'lastCaseEnd',
  'poweroff',
  'disconnect',
  'destroyed',
];

export interface BootSample {
  bootId: string;
  /** ms since spawn on the host's monotonic clock; a phase that did not happen is absent, never 0. */
  phases: Partial<Record<PhaseName, number>>;
  /** The guest's printk clock (printk.time=1) at the kernel and init markers, in ms. */
  guestClock: Partial<Record<GuestClockMark, number>>;
}

export interface CaseSample {
  caseId: string;
  outcome: Outcome;
  durationMs: number;
}

/** One platform's share of one run, as the history stores it. */
export interface RunRecord {
  runId: string;
  /** What was tested: a commit id or a free label (`--revision`); defaults to the run id. */
  revision: string;
  startedAt: string;
  platform: string;
  arch: Arch;
  fingerprint: Fingerprint;
  image: ImageIdentity;
  sizes: ImageSizes;
  boots: BootSample[];
  cases: CaseSample[];
}
