import type { BootSample, RunRecord } from '../../../harness/metrics/types.js';

export const FINGERPRINT = { hostCpu: 'AMD EPYC 7B13', qemu: '8.2.2', accel: 'tcg', machine: 'q35', cpu: 'max' };

/** ISO time of day n of January 2025, so runs sort by their number. */
export function day(n: number): string {
  return new Date(Date.UTC(2025, 0, 1 + n, 2)).toISOString();
}

export function boot(bootId: string, phases: BootSample['phases']): BootSample {
  return { bootId, phases, guestClock: {} };
}

/** A plausible record; tests override what they are about. */
export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'run-1',
    revision: 'abc123',
    startedAt: day(1),
    platform: 'qemu-x86_64',
    arch: 'x86_64',
    fingerprint: FINGERPRINT,
    image: { kernelVersion: '6.1.0-28-cloud-amd64', imageDigest: 'sha256:0f3e' },
    sizes: { kernel: 8_000_000, initrd: 4_000_000, initrdUncompressed: 9_000_000, total: 12_000_000, components: { bin: 1_000_000, 'containers/base': 8_000_000 } },
    boots: [
      { bootId: 'b1', phases: { spawn: 0, firstByte: 700, kernel: 705, init: 2600, ready: 3100 }, guestClock: { kernel: 0, init: 1890.5 } },
      { bootId: 'b2', phases: { spawn: 0, firstByte: 690, kernel: 696 }, guestClock: {} },
    ],
    cases: [
      { caseId: 'net-loopback', outcome: 'pass', durationMs: 412 },
      { caseId: 'disk-ro', outcome: 'fail', durationMs: 1200.5 },
    ],
    ...overrides,
  };
}

/** mulberry32: a tiny seeded PRNG, so statistical tests are reproducible. Uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
