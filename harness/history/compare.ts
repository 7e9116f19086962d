import type { PhaseName } from '../model/types.js';
import { PHASE_ORDER, type BootSample, type ImageSizes, type RunRecord } from '../metrics/types.js';
import { fingerprintKey } from './fingerprint.js';
import { hodgesLehmann, mannWhitneyU, median } from './stats.js';
import type { MetricComparison, PlatformComparison, RegressionReport, SampleSummary, Thresholds, Verdict } from './types.js';

/**
 * α is 0.005, not the textbook 0.05: a comparison tests about seven phases every night. In
 * test/harness/history/simulation.test.ts's model (10 baseline runs × 5 boots against 10 boots,
 * lognormal σ 0.05–0.08) a noise-only night alarms in 1.4–3.1 % of histories, a 10 % slowdown of a
 * 2 s phase is caught in 98 %, and a 2 % one is called in under 5 %.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { alpha: 0.005, phaseFraction: 0.05, phaseMs: 20, sizeFraction: 0.01, sizeBytes: 4096 };

/** Fewer boots than this on either side and a phase is not judged: a rank test on 2 values says nothing. */
const MIN_SAMPLES = 3;

const FIXED_SIZES = ['kernel', 'initrd', 'initrdUncompressed', 'total'] as const;

/**
 * Length of each phase, named after the phase it ends at. It runs from the previous phase that
 * happened, so a boot without firmware output still has a kernel interval; a phase that did not
 * happen has no interval, because a 0 would read as "infinitely fast".
 */
export function phaseIntervals(boot: BootSample): Partial<Record<PhaseName, number>> {
  const intervals: Partial<Record<PhaseName, number>> = {};
  let previous: number | undefined;
  for (const phase of PHASE_ORDER) {
    const stamp = boot.phases[phase];
    if (stamp === undefined) continue;
    if (previous !== undefined) intervals[phase] = stamp - previous;
    previous = stamp;
  }
  return intervals;
}

/** Earlier runs comparable with `current` (same platform and fingerprint), newest first. */
export function selectBaseline(current: RunRecord, history: readonly RunRecord[], window: number): RunRecord[] {
  const key = fingerprintKey(current.fingerprint);
  const startedAt = Date.parse(current.startedAt);
  return history
    .filter(
      (run) =>
        run.platform === current.platform &&
        Date.parse(run.startedAt) < startedAt &&
        fingerprintKey(run.fingerprint) === key,
    )
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
    .slice(0, window);
}

/** Compares one platform's run with its baseline runs, phase by phase and size by size. */
export function comparePlatform(current: RunRecord, baseline: readonly RunRecord[], t: Thresholds): PlatformComparison {
  const identity = (run: RunRecord) => ({ runId: run.runId, revision: run.revision, startedAt: run.startedAt });
  return {
    platform: current.platform,
    fingerprintKey: fingerprintKey(current.fingerprint),
    current: identity(current),
    baselineRuns: baseline.map(identity),
    metrics: [...comparePhases(current, baseline, t), ...compareUnpack(current, baseline, t), ...compareSizes(current, baseline, t)],
    ...clockCheck(current),
  };
}

/** One comparison per platform of the current run, each against its own baseline from `history`. */
export function buildReport(
  currentRuns: readonly RunRecord[],
  history: readonly RunRecord[],
  t: Thresholds,
  window: number,
  now: Date = new Date(),
): RegressionReport {
  const platforms = currentRuns.map((run) => comparePlatform(run, selectBaseline(run, history, window), t));
  const count = (verdict: Verdict) =>
    platforms.reduce((sum, platform) => sum + platform.metrics.filter((metric) => metric.verdict === verdict).length, 0);
  return {
    generatedAt: now.toISOString(),
    thresholds: t,
    platforms,
    regressions: count('regression'),
    improvements: count('improvement'),
  };
}

function comparePhases(current: RunRecord, baseline: readonly RunRecord[], t: Thresholds): MetricComparison[] {
  const currentIntervals = current.boots.map(phaseIntervals);
  const baselineIntervals = baseline.flatMap((run) => run.boots.map(phaseIntervals));
  const samples = (intervals: Partial<Record<PhaseName, number>>[], phase: PhaseName) =>
    intervals.flatMap((boot) => (boot[phase] === undefined ? [] : [boot[phase]]));
  return PHASE_ORDER.flatMap((phase) => {
    const now = samples(currentIntervals, phase);
    const before = samples(baselineIntervals, phase);
    if (now.length === 0 && before.length === 0) return [];
    return [comparePhase(phase, summarise(now), summarise(before), t)];
  });
}

function clockCheck(run: RunRecord): Pick<PlatformComparison, 'clocks'> {
  const pairs = run.boots.flatMap(({ phases, guestClock }) =>
    phases.kernel === undefined || phases.init === undefined || guestClock.kernel === undefined || guestClock.init === undefined
      ? []
      : [{ host: phases.init - phases.kernel, guest: guestClock.init - guestClock.kernel }],
  );
  if (pairs.length === 0) return {};
  return { clocks: { hostMs: median(pairs.map((p) => p.host)), guestMs: median(pairs.map((p) => p.guest)), boots: pairs.length } };
}

/**
 * The initramfs unpack on the guest's clock. It runs beside other kernel work, so an initrd that
 * grows makes it longer well before any host phase moves; it is judged like a phase.
 */
function compareUnpack(current: RunRecord, baseline: readonly RunRecord[], t: Thresholds): MetricComparison[] {
  const spans = (run: RunRecord) =>
    run.boots.flatMap(({ guestClock: { unpackStart, unpackEnd } }) => (unpackStart === undefined || unpackEnd === undefined ? [] : [unpackEnd - unpackStart]));
  const now = spans(current);
  const before = baseline.flatMap(spans);
  if (now.length === 0 && before.length === 0) return [];
  return [judgeTiming({ metric: 'guest:initramfs', guestSpan: 'initramfs' }, summarise(now), summarise(before), t)];
}

function comparePhase(phase: PhaseName, current: SampleSummary, baseline: SampleSummary, t: Thresholds): MetricComparison {
  return judgeTiming({ metric: `phase:${phase}`, phase }, current, baseline, t);
}

function judgeTiming(
  name: Pick<MetricComparison, 'metric' | 'phase' | 'guestSpan'>,
  current: SampleSummary,
  baseline: SampleSummary,
  t: Thresholds,
): MetricComparison {
  const { delta, deltaFraction } = change(current, baseline);
  const metric = { ...name, kind: 'phase', unit: 'ms', baseline, current, delta, deltaFraction } as const;
  if (current.n < MIN_SAMPLES || baseline.n < MIN_SAMPLES) return { ...metric, verdict: 'insufficient-data' };
  // A regression is a one-sided question (slower?), so its p-value is one-sided: with 5 boots against
  // 5 the two-sided test cannot go below 0.0079 and could never answer at α 0.005. Improvements
  // trigger no action and keep the two-sided test, which holds them to twice the evidence.
  const { p: twoSided } = mannWhitneyU(current.values, baseline.values);
  const p = delta > 0 ? twoSided / 2 : twoSided;
  // Significance alone flags tiny shifts once samples are many; the size gates keep only shifts worth a
  // look. They judge the Hodges-Lehmann shift (the rank test's own estimate, from every pair of
  // samples) rather than the difference of two medians, which is noisier and made quiet nights alarm.
  const shift = hodgesLehmann(current.values, baseline.values);
  const large = Math.abs(shift) >= t.phaseFraction * baseline.median && Math.abs(shift) >= t.phaseMs && Math.sign(shift) === Math.sign(delta);
  const verdict: Verdict = p < t.alpha && large ? (delta > 0 ? 'regression' : 'improvement') : 'unchanged';
  return { ...metric, pValue: p, verdict };
}

function compareSizes(current: RunRecord, baseline: readonly RunRecord[], t: Thresholds): MetricComparison[] {
  const components = [...new Set([current, ...baseline].flatMap((run) => Object.keys(run.sizes.components)))].sort();
  const fixed = FIXED_SIZES.map((name) => ({ metric: `size:${name}`, read: (sizes: ImageSizes) => sizes[name] }));
  const parts = components.map((component) => ({
    metric: `size:${component}`,
    component,
    // A component missing from one image is one that image does not ship: 0 bytes.
    read: (sizes: ImageSizes) => sizes.components[component] ?? 0,
  }));
  return [...fixed, ...parts].map(({ read, ...name }) => {
    const now = summarise([read(current.sizes)]);
    const before = summarise(baseline.map((run) => read(run.sizes)));
    const { delta, deltaFraction } = change(now, before);
    const metric = { ...name, kind: 'size', unit: 'bytes', baseline: before, current: now, delta, deltaFraction } as const;
    if (before.n === 0) return { ...metric, verdict: 'insufficient-data' };
    // Sizes are exact, so no test: any change beyond either bound is real.
    const large = Math.abs(delta) > t.sizeFraction * before.median || Math.abs(delta) > t.sizeBytes;
    const verdict: Verdict = large ? (delta > 0 ? 'regression' : 'improvement') : 'unchanged';
    return { ...metric, verdict };
  });
}

/** n 0 has median 0: the verdict is insufficient-data then, and JSON has no NaN. */
function summarise(values: number[]): SampleSummary {
  return { n: values.length, median: values.length === 0 ? 0 : median(values), values };
}

function change(current: SampleSummary, baseline: SampleSummary): { delta: number; deltaFraction: number } {
  const delta = current.median - baseline.median;
  return { delta, deltaFraction: baseline.median === 0 ? 0 : delta / baseline.median };
}
