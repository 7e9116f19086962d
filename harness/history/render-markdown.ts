import {
  allChanges,
  changedMetrics,
  describeChange,
  formatDelta,
  formatExactDelta,
  formatBytes,
  formatPercent,
  formatPValue,
  formatValue,
  headline,
  metricLabel,
  percentOf,
  platformsWorstFirst,
  runLabel,
  utc,
  verdictWord,
} from './render-format.js';
import { markdownText } from '../report/markdown-text.js';
import type { MetricComparison, PlatformComparison, RegressionReport } from './types.js';

function row(m: MetricComparison, p: PlatformComparison): string {
  // A grown image is bisected by exact bytes; MiB with two decimals hides a 4 KiB step.
  const exact = m.unit === 'bytes' && m.verdict === 'regression' ? ` (${formatExactDelta(m.delta)})` : '';
  const cells = [
    markdownText(metricLabel(m, p)),
    formatValue(m, m.baseline.median),
    formatValue(m, m.current.median),
    `${formatDelta(m)}${exact}`,
    formatPercent(m),
    m.pValue === undefined ? '–' : formatPValue(m.pValue),
    m.verdict === 'regression' ? `**${verdictWord(m.verdict)}**` : verdictWord(m.verdict),
  ];
  return `| ${cells.join(' | ')} |`;
}

function table(metrics: MetricComparison[], p: PlatformComparison): string[] {
  return [
    '| Metric | Baseline median | Current median | Δ | Δ % | p | Verdict |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...metrics.map((m) => row(m, p)),
  ];
}

/**
 * The host stamps a marker when its line reaches the console; the guest when it printed it. Lines
 * printed before the console driver starts arrive late, so the clocks disagree by that much.
 */
function clockLine(c: NonNullable<PlatformComparison['clocks']>): string {
  const skew = c.guestMs - c.hostMs;
  return (
    `Clock cross-check: kernel → init took ${Math.round(c.hostMs)} ms on the host's clock and ${Math.round(c.guestMs)} ms ` +
    `on the guest's printk clock (median of ${c.boots} boots; ${skew >= 0 ? '+' : ''}${Math.round(skew)} ms).`
  );
}

function platformSection(p: PlatformComparison): string[] {
  const baselines = p.baselineRuns.map((r) => markdownText(runLabel(r)));
  const shown = baselines.length > 5 ? [...baselines.slice(0, 5), '…'] : baselines;
  const changed = changedMetrics(p);
  return [
    `### ${markdownText(p.platform)}`,
    '',
    `Current ${markdownText(runLabel(p.current))} (${utc(p.current.startedAt)}) against ${p.baselineRuns.length} ` +
      `baseline runs (${shown.join(', ')}); fingerprint ${markdownText(p.fingerprintKey)}.`,
    '',
    ...(changed.length ? table(changed, p) : ['No metric moved beyond the thresholds.']),
    '',
    ...(p.clocks ? [clockLine(p.clocks), ''] : []),
    '<details>',
    `<summary>All ${p.metrics.length} metrics</summary>`,
    '',
    ...table(p.metrics, p),
    '',
    '</details>',
    '',
  ];
}

/**
 * The report as GitHub Markdown, for a PR comment or $GITHUB_STEP_SUMMARY: the headline and every
 * change as one sentence first, so the comment preview alone says what got slower or bigger; then
 * per platform the changed metrics, with the full table collapsed.
 */
export function renderMarkdown(report: RegressionReport): string {
  const platforms = platformsWorstFirst(report);
  const changes = allChanges(platforms).map(({ platform, metric }) => {
    const kind = metric.verdict === 'regression' ? 'Regression' : 'Improvement';
    return `- ${kind} on ${markdownText(platform.platform)}: ${markdownText(describeChange(metric, platform))}`;
  });
  const t = report.thresholds;
  return [
    '## Boot regression report',
    '',
    `**${headline(report)}**`,
    '',
    ...(changes.length ? [...changes, ''] : []),
    ...platforms.flatMap(platformSection),
    `<sub>Thresholds: α = ${t.alpha}; phases move by ${percentOf(t.phaseFraction)} % and ${t.phaseMs} ms, ` +
      `sizes by ${percentOf(t.sizeFraction)} % or ${formatBytes(t.sizeBytes)}. ` +
      `Generated ${utc(report.generatedAt)}.</sub>`,
    '',
  ].join('\n');
}
