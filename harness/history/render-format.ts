/**
 * Words and numbers for a regression report, shared by the Markdown and HTML renderers so a PR
 * comment and the morning page say exactly the same thing about the same change.
 */
import type { PhaseName } from '../model/types.js';
import { PHASE_ORDER } from '../metrics/types.js';
import type { MetricComparison, PlatformComparison, RegressionReport, Verdict } from './types.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : value < 0 ? `-${text}` : text;
}

/** Whole ms from 100 ms on; below that a tenth still means something. */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  const digits = abs >= 100 || Number.isInteger(abs) ? 0 : 1;
  return `${abs.toFixed(digits)} ms`;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= GIB) return `${(abs / GIB).toFixed(2)} GiB`;
  if (abs >= MIB) return `${(abs / MIB).toFixed(2)} MiB`;
  if (abs >= KIB) return `${(abs / KIB).toFixed(2)} KiB`;
  return `${abs} B`;
}

/** Exact bytes with thousands separators, for when "+0.01 MiB" is not enough to act on. */
export function formatExactBytes(bytes: number): string {
  return `${Math.abs(bytes).toLocaleString('en-US')} bytes`;
}

export function formatExactDelta(bytes: number): string {
  return signed(formatExactBytes(bytes), bytes);
}

/** Magnitude only: values are never negative, deltas get their sign from formatDelta. */
export function formatValue(m: MetricComparison, value: number): string {
  return m.unit === 'ms' ? formatMs(value) : formatBytes(value);
}

export function formatDelta(m: MetricComparison): string {
  return signed(formatValue(m, m.delta), m.delta);
}

/** A component that did not exist in the baseline has no meaningful percentage: it is new. */
export function formatPercent(m: MetricComparison): string {
  if (m.baseline.median === 0) return m.current.median === 0 ? '0.0 %' : 'new';
  return signed(`${Math.abs(m.deltaFraction * 100).toFixed(1)} %`, m.deltaFraction);
}

/** Two significant digits are all a p-value deserves; tiny ones are just "below". */
export function formatPValue(p: number): string {
  return p < 0.0001 ? '< 0.0001' : String(Number(p.toPrecision(2)));
}

export function formatP(p: number): string {
  return p < 0.0001 ? `p ${formatPValue(p)}` : `p = ${formatPValue(p)}`;
}

/** A fraction as a percentage without float noise: 0.07 is "7", not "7.000000000000001". */
export function percentOf(fraction: number): string {
  return String(Number((fraction * 100).toPrecision(6)));
}

export function verdictWord(verdict: Verdict): string {
  return verdict === 'insufficient-data' ? 'insufficient data' : verdict;
}

const SIZE_NAMES: Readonly<Record<string, string>> = {
  total: 'image total',
  kernel: 'kernel',
  initrd: 'initrd (compressed)',
  initrdUncompressed: 'initrd (uncompressed)',
};

/**
 * Where a phase's interval starts on this platform: the nearest earlier phase the comparison has a
 * metric for (arm64's direct kernel boot has no firmware, so its kernel runs from firstByte), and
 * spawn for the first one, which has no interval of its own.
 */
function intervalStart(phase: PhaseName, platform: PlatformComparison): PhaseName | undefined {
  const measured = new Set(platform.metrics.map((m) => m.phase));
  const earlier = PHASE_ORDER.slice(0, PHASE_ORDER.indexOf(phase));
  return earlier.filter((p) => measured.has(p)).at(-1) ?? earlier[0];
}

/** "phase init (kernel → init)", "component extra", "size image total". */
export function metricLabel(m: MetricComparison, platform: PlatformComparison): string {
  if (m.guestSpan === 'initramfs') return 'initramfs unpack (guest clock)';
  if (m.kind === 'phase' && m.phase) {
    const start = intervalStart(m.phase, platform);
    return start ? `phase ${m.phase} (${start} → ${m.phase})` : `phase ${m.phase}`;
  }
  if (m.component !== undefined) return `component ${m.component}`;
  const name = m.metric.replace(/^size:/, '');
  return `size ${SIZE_NAMES[name] ?? name}`;
}

/**
 * The numbers of a change: "1902 ms → 2210 ms (+308 ms, +16.2 %, p = 0.0002)". Sizes also carry
 * exact bytes, which is what someone bisecting a grown image greps for.
 */
export function describeNumbers(m: MetricComparison): string {
  const numbers = [formatDelta(m), formatPercent(m)];
  if (m.pValue !== undefined) numbers.push(formatP(m.pValue));
  if (m.unit === 'bytes') numbers.push(formatExactDelta(m.delta));
  return `${formatValue(m, m.baseline.median)} → ${formatValue(m, m.current.median)} (${numbers.join(', ')})`;
}

/**
 * One sentence a reader can act on without opening anything:
 * "phase init (kernel → init): 1902 ms → 2210 ms (+308 ms, +16.2 %, p = 0.0002)".
 */
export function describeChange(m: MetricComparison, platform: PlatformComparison): string {
  return `${metricLabel(m, platform)}: ${describeNumbers(m)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "2 regressions, 1 improvement" or "No regressions" (plus any improvements). */
export function headline(report: RegressionReport): string {
  const improvements = report.improvements ? `, ${plural(report.improvements, 'improvement')}` : '';
  if (report.regressions === 0) return `No regressions${improvements}`;
  return `${plural(report.regressions, 'regression')}${improvements}`;
}

/** Regressions before improvements; the comparator's order within each. */
export function changedMetrics(platform: PlatformComparison): MetricComparison[] {
  const of = (verdict: Verdict) => platform.metrics.filter((m) => m.verdict === verdict);
  return [...of('regression'), ...of('improvement')];
}

export interface Change {
  platform: PlatformComparison;
  metric: MetricComparison;
}

/** Every regression of every platform, then every improvement: the summary leads with bad news. */
export function allChanges(platforms: readonly PlatformComparison[]): Change[] {
  const of = (verdict: Verdict) =>
    platforms.flatMap((platform) => platform.metrics.filter((m) => m.verdict === verdict).map((metric) => ({ platform, metric })));
  return [...of('regression'), ...of('improvement')];
}

/** Platforms by name, so two renderings of the same report are byte-identical. */
export function sortedPlatforms(report: RegressionReport): PlatformComparison[] {
  // Code-point order, not localeCompare: the output must not depend on the host's ICU locale.
  return [...report.platforms].sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0));
}

/** For people: the platform with the most regressions first, then by name. */
export function platformsWorstFirst(report: RegressionReport): PlatformComparison[] {
  const regressions = (p: PlatformComparison) => p.metrics.filter((m) => m.verdict === 'regression').length;
  return sortedPlatforms(report).sort((a, b) => regressions(b) - regressions(a));
}

/** What a revision is called on an axis or in a heading: the label if given, else the date. */
export function runLabel(run: { runId: string; revision: string; startedAt: string }): string {
  return run.revision && run.revision !== run.runId ? run.revision : run.startedAt.slice(0, 16).replace('T', ' ');
}

/** A run's time to the minute, for headings and tables. */
export function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
