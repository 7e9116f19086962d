import type { PhaseName } from '../model/types.js';
import type { RunRecord } from '../metrics/types.js';

/** When a difference counts (defaults in compare.ts: α 0.005, phases 5 % and 20 ms, sizes 1 % or 4 KiB). */
export interface Thresholds {
  /** Significance level of the Mann-Whitney U test on phase samples. */
  alpha: number;
  /** A phase must move by at least this fraction of its baseline median… */
  phaseFraction: number;
  /** …and by at least this many ms. */
  phaseMs: number;
  /** A size change counts when it exceeds this fraction of the baseline… */
  sizeFraction: number;
  /** …or this many bytes. */
  sizeBytes: number;
}

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'insufficient-data';

export interface SampleSummary {
  n: number;
  median: number;
  values: number[];
}

/**
 * One metric of one platform: a phase interval (ms, ending at that phase, e.g. `phase:init` is
 * kernel → init) or a size (bytes, e.g. `size:total`, `size:containers/base`).
 */
export interface MetricComparison {
  metric: string;
  kind: 'phase' | 'size';
  unit: 'ms' | 'bytes';
  phase?: PhaseName;
  /** A span on the guest's printk clock rather than a host phase: the initramfs unpack. */
  guestSpan?: 'initramfs';
  component?: string;
  baseline: SampleSummary;
  current: SampleSummary;
  /** current median − baseline median */
  delta: number;
  /** delta / baseline median; 0 when the baseline median is 0 */
  deltaFraction: number;
  /** Mann-Whitney U p-value, one-sided for a slowdown and two-sided otherwise; absent for sizes, which are exact. */
  pValue?: number;
  verdict: Verdict;
}

export interface PlatformComparison {
  platform: string;
  fingerprintKey: string;
  current: Pick<RunRecord, 'runId' | 'revision' | 'startedAt'>;
  baselineRuns: Pick<RunRecord, 'runId' | 'revision' | 'startedAt'>[];
  metrics: MetricComparison[];
  /**
   * The two clocks cross-checked on the current run: kernel → init on the host's clock (when the
   * lines reached the console) and on the guest's printk clock, medians over the boots with both.
   */
  clocks?: { hostMs: number; guestMs: number; boots: number };
}

export interface RegressionReport {
  generatedAt: string;
  thresholds: Thresholds;
  platforms: PlatformComparison[];
  regressions: number;
  improvements: number;
}
