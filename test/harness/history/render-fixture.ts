/**
 * A realistic history for the renderers: 6 daily runs × 5 boots on qemu-x86_64 and qemu-arm64, and
 * the report a comparator would make of it with run 6 as current. In run 6, x86_64's init phase
 * got slower (1902 → 2210 ms) and an 8 MiB component `extra` appeared (so the initrd and the image
 * total grew with it: four size regressions of one cause, as compare.ts reports them); arm64's
 * kernel phase got faster. Everything else is unchanged.
 *
 * Phase values are built so that medians are exact round numbers: each run spreads its 5 boots over
 * the offsets −2…+2 steps, which is symmetric, so the tests can name the numbers literally.
 */
import type { Arch, PhaseName } from '../../../harness/model/types.js';
import { PHASE_ORDER, type BootSample, type RunRecord } from '../../../harness/metrics/types.js';
import { phaseIntervals } from '../../../harness/history/compare.js';
import type { MetricComparison, RegressionReport, SampleSummary, Verdict } from '../../../harness/history/types.js';

export const MIB = 1024 * 1024;
export const RUNS = 6;
export const BOOTS_PER_RUN = 5;
export const REVISIONS = ['3f9c2a1', '8be41d0', 'c07d5e2', '51aa9f3', 'e6b2c48', '9d1f7b5'];

interface PlatformSpec {
  platform: string;
  arch: Arch;
  /** Median interval per phase in ms (a phase missing here never happens on this platform). */
  intervals: Partial<Record<PhaseName, number>>;
  /** Intervals that differ in the current run. */
  currentIntervals: Partial<Record<PhaseName, number>>;
  components: Record<string, number>;
  currentExtraComponents: Record<string, number>;
  kernel: number;
}

const SPECS: PlatformSpec[] = [
  {
    platform: 'qemu-x86_64',
    arch: 'x86_64',
    intervals: { firstByte: 42, firmware: 380, kernel: 1180, init: 1902, ready: 310, firstCase: 120, lastCaseEnd: 2400, poweroff: 450 },
    currentIntervals: { init: 2210 },
    components: {
      'containers/base': 6.2 * MIB,
      runtime: 9.8 * MIB,
      modules: 3.4 * MIB,
      busybox: 1.1 * MIB,
      init: 48 * 1024,
      rest: 0.6 * MIB,
    },
    currentExtraComponents: { extra: 8 * MIB },
    kernel: 11.5 * MIB,
  },
  {
    // Direct kernel boot on `virt`: no firmware marker, so kernel is measured from the first byte.
    platform: 'qemu-arm64',
    arch: 'arm64',
    intervals: { firstByte: 55, kernel: 1400, init: 2600, ready: 420, firstCase: 150, lastCaseEnd: 3100, poweroff: 520 },
    currentIntervals: { kernel: 1210 },
    components: {
      'containers/base': 6.0 * MIB,
      runtime: 9.1 * MIB,
      modules: 4.2 * MIB,
      busybox: 1.0 * MIB,
      init: 48 * 1024,
      rest: 0.5 * MIB,
    },
    currentExtraComponents: {},
    kernel: 14.2 * MIB,
  },
];

function interval(median: number, run: number, boot: number): number {
  const step = Math.max(1, Math.round(median * 0.01));
  return median + (((run + boot) % BOOTS_PER_RUN) - 2) * step;
}

function boot(spec: PlatformSpec, run: number, index: number): BootSample {
  const current = run === RUNS - 1;
  const phases: Partial<Record<PhaseName, number>> = { spawn: 0 };
  let at = 0;
  for (const phase of PHASE_ORDER) {
    const median = (current ? spec.currentIntervals[phase] : undefined) ?? spec.intervals[phase];
    if (median === undefined) continue;
    at += interval(median, run, index);
    phases[phase] = at;
  }
  return {
    bootId: `${spec.platform}-r${run + 1}-b${index + 1}`,
    phases,
    guestClock: { kernel: 0, init: (phases.init ?? 0) - (phases.kernel ?? 0) },
  };
}

function run(spec: PlatformSpec, index: number): RunRecord {
  // `rest` creeps up a little every run, like a real image does, but below the thresholds.
  const components = Object.fromEntries(
    Object.entries(spec.components).map(([name, bytes]) => [name, Math.round(bytes) + (name === 'rest' ? index * 256 : 0)]),
  );
  if (index === RUNS - 1) Object.assign(components, spec.currentExtraComponents);
  const initrdUncompressed = Object.values(components).reduce((a, b) => a + b, 0);
  const initrd = Math.round(initrdUncompressed * 0.38);
  const kernel = Math.round(spec.kernel);
  return {
    runId: `run-2026-11-${String(20 + index).padStart(2, '0')}`,
    revision: REVISIONS[index]!,
    startedAt: `2026-11-${String(20 + index).padStart(2, '0')}T06:00:00.000Z`,
    platform: spec.platform,
    arch: spec.arch,
    fingerprint: { hostCpu: 'AMD EPYC 7B13 x8', qemu: '8.2.2', accel: 'kvm', machine: spec.arch === 'arm64' ? 'virt' : 'q35', cpu: 'host' },
    image: { kernelVersion: '6.1.0-28', imageDigest: `sha256:${String(index).repeat(64)}` },
    sizes: { kernel, initrd, initrdUncompressed, total: kernel + initrd, components },
    boots: Array.from({ length: BOOTS_PER_RUN }, (_, b) => boot(spec, index, b)),
    cases: [{ caseId: 'hello', outcome: 'pass', durationMs: 800 }],
  };
}

export const history: RunRecord[] = SPECS.flatMap((spec) => Array.from({ length: RUNS }, (_, r) => run(spec, r)));

function summary(values: number[]): SampleSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: values.length, median, values };
}

/** What the comparator decided, by platform and metric; everything else is unchanged. */
const VERDICTS: Record<string, Record<string, [Verdict, number?]>> = {
  'qemu-x86_64': {
    'phase:init': ['regression', 0.0002],
    'size:total': ['regression'],
    'size:initrd': ['regression'],
    'size:initrdUncompressed': ['regression'],
    'size:extra': ['regression'],
  },
  'qemu-arm64': { 'phase:kernel': ['improvement', 0.0004] },
};

function comparison(
  platform: string,
  base: Omit<MetricComparison, 'baseline' | 'current' | 'delta' | 'deltaFraction' | 'verdict'>,
  baselineValues: number[],
  currentValues: number[],
): MetricComparison {
  const baseline = summary(baselineValues);
  const current = summary(currentValues);
  const delta = current.median - baseline.median;
  const [verdict, p] = VERDICTS[platform]?.[base.metric] ?? ['unchanged', base.kind === 'phase' ? 0.41 : undefined];
  return {
    ...base,
    baseline,
    current,
    delta,
    deltaFraction: baseline.median === 0 ? 0 : delta / baseline.median,
    ...(p === undefined ? {} : { pValue: p }),
    verdict,
  };
}

function metrics(spec: PlatformSpec, runs: RunRecord[]): MetricComparison[] {
  const baselineRuns = runs.slice(0, -1);
  const current = runs.at(-1)!;
  const intervalsOf = (r: RunRecord, phase: PhaseName) => r.boots.map((b) => phaseIntervals(b)[phase]!);
  const phases = PHASE_ORDER.filter((p) => spec.intervals[p] !== undefined).map((phase) =>
    comparison(spec.platform, { metric: `phase:${phase}`, kind: 'phase', unit: 'ms', phase },
      baselineRuns.flatMap((r) => intervalsOf(r, phase)), intervalsOf(current, phase)),
  );
  const sizeKeys = ['total', 'kernel', 'initrd', 'initrdUncompressed'] as const;
  const sizes = sizeKeys.map((key) =>
    comparison(spec.platform, { metric: `size:${key}`, kind: 'size', unit: 'bytes' },
      baselineRuns.map((r) => r.sizes[key]), [current.sizes[key]]),
  );
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.sizes.components)))].sort();
  const components = names.map((component) =>
    comparison(spec.platform, { metric: `size:${component}`, kind: 'size', unit: 'bytes', component },
      baselineRuns.map((r) => r.sizes.components[component] ?? 0), [current.sizes.components[component] ?? 0]),
  );
  return [...phases, ...sizes, ...components];
}

const identity = (r: RunRecord) => ({ runId: r.runId, revision: r.revision, startedAt: r.startedAt });

export const report: RegressionReport = {
  generatedAt: '2026-11-25T06:20:00.000Z',
  thresholds: { alpha: 0.05, phaseFraction: 0.05, phaseMs: 20, sizeFraction: 0.01, sizeBytes: 4096 },
  platforms: SPECS.map((spec) => {
    const runs = history.filter((r) => r.platform === spec.platform);
    return {
      platform: spec.platform,
      fingerprintKey: `${spec.platform}|AMD EPYC 7B13 x8|8.2.2|kvm`,
      current: identity(runs.at(-1)!),
      baselineRuns: runs.slice(0, -1).map(identity),
      metrics: metrics(spec, runs),
    };
  }),
  regressions: 5,
  improvements: 1,
};

/** A revision label that is markup: every renderer must show it as text. */
export const NASTY_REVISION = '<img onerror=x>';

/** The fixture with run 3's revision replaced by NASTY_REVISION, in the history and the report alike. */
export function withNastyRevision(): { history: RunRecord[]; report: RegressionReport } {
  const rename = <T extends { revision: string }>(r: T): T => (r.revision === REVISIONS[2] ? { ...r, revision: NASTY_REVISION } : r);
  return {
    history: history.map(rename),
    report: { ...report, platforms: report.platforms.map((p) => ({ ...p, baselineRuns: p.baselineRuns.map(rename) })) },
  };
}
