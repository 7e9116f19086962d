import type { RunRecord } from '../metrics/types.js';
import { phasesOverTimeChart, phasesPerBootChart, sizeOverTimeChart, type Highlights } from './render-charts.js';
import {
  allChanges,
  changedMetrics,
  describeNumbers,
  formatBytes,
  formatDelta,
  formatExactDelta,
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
import { componentColours, escapeHtml as h } from './render-svg.js';
import type { MetricComparison, PlatformComparison, RegressionReport } from './types.js';

/** Runs per time chart: a month of nightly runs still gives each bar room for its label. */
const RUNS_SHOWN = 30;

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bad:#d1242f;--bad-bg:#ffebe9;--good:#1a7f37;--good-bg:#dafbe1}
*{box-sizing:border-box}
body{margin:0;background:#f6f8fa;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px}
header{border-radius:8px;padding:16px 24px;color:#fff;background:var(--bad)}
header.clean{background:var(--good)}
header h1{margin:0;font-size:13px;font-weight:600;letter-spacing:.06em;text-transform:uppercase;opacity:.9}
header .headline{margin:2px 0;font-size:30px;font-weight:700}
header .meta{margin:0;color:#fff;opacity:.9}
ul.changes{list-style:none;margin:16px 0;padding:0}
li.change{margin:0 0 6px;padding:8px 12px;background:#fff;border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:6px;font-size:15px;font-variant-numeric:tabular-nums}
li.change.improvement{border-left-color:var(--good)}
.verdict{display:inline-block;min-width:112px;font-size:11px;font-weight:700;letter-spacing:.05em;text-transform:uppercase;color:var(--bad)}
.improvement .verdict{color:var(--good)}
.change a{color:var(--muted);margin-right:8px}
section.platform{margin:24px 0;padding:16px 24px;background:#fff;border:1px solid var(--line);border-radius:8px}
h2{margin:0 0 4px;font-size:22px}
.badge{margin-left:8px;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;vertical-align:middle;background:#eaeef2;color:var(--muted)}
.badge.regression{background:var(--bad);color:#fff}
.badge.improvement{background:var(--good);color:#fff}
.meta{color:var(--muted)}
table{width:100%;margin:12px 0;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:last-child,td:last-child{text-align:left}
th{font-size:12px;color:var(--muted);font-weight:600}
tr.regression td{background:var(--bad-bg)}
tr.regression td:last-child{color:var(--bad);font-weight:700}
tr.improvement td{background:var(--good-bg)}
tr.improvement td:last-child{color:var(--good);font-weight:700}
details summary{cursor:pointer;color:var(--muted)}
figure{margin:28px 0 0}
figcaption h3{margin:0;font-size:16px}
figcaption p{margin:0 0 8px;color:var(--muted)}
svg.chart{display:block;width:100%;height:auto}
svg text{font-size:12px;fill:var(--fg)}
svg .tick,svg .bar-end,svg .legend-detail,svg .sub{fill:var(--muted)}
svg .grid{stroke:#eaeef2}
svg .axis{stroke:#8c959f}
svg .run-break{stroke:#d1d9e0;stroke-dasharray:3 3}
svg .total,svg .row-label.current{font-weight:700}
svg .legend-label.regression{fill:var(--bad);font-weight:700}
svg .legend-label.improvement{fill:var(--good);font-weight:700}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px}
`;

function anchor(platform: string): string {
  return `platform-${encodeURIComponent(platform)}`;
}

function row(m: MetricComparison, p: PlatformComparison): string {
  const exact = m.unit === 'bytes' && m.verdict === 'regression' ? ` (${formatExactDelta(m.delta)})` : '';
  const cells = [
    metricLabel(m, p),
    formatValue(m, m.baseline.median),
    formatValue(m, m.current.median),
    `${formatDelta(m)}${exact}`,
    formatPercent(m),
    m.pValue === undefined ? '–' : formatPValue(m.pValue),
    verdictWord(m.verdict),
  ];
  return `<tr class="${m.verdict}" data-metric="${h(m.metric)}">${cells.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`;
}

function table(metrics: MetricComparison[], p: PlatformComparison): string {
  const head = ['Metric', 'Baseline median', 'Current median', 'Δ', 'Δ %', 'p', 'Verdict'];
  return `<table><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${metrics.map((m) => row(m, p)).join('')}</tbody></table>`;
}

function changeItem(p: PlatformComparison, m: MetricComparison): string {
  return (
    `<li class="change ${m.verdict}"><span class="verdict">${verdictWord(m.verdict)}</span>` +
    `<a href="#${anchor(p.platform)}">${h(p.platform)}</a><strong>${h(metricLabel(m, p))}</strong>: ${h(describeNumbers(m))}</li>`
  );
}

function badge(p: PlatformComparison): string {
  const count = (verdict: string) => p.metrics.filter((m) => m.verdict === verdict).length;
  const [regressions, improvements] = [count('regression'), count('improvement')];
  if (regressions) return `<span class="badge regression">${regressions} regression${regressions === 1 ? '' : 's'}</span>`;
  if (improvements) return `<span class="badge improvement">${improvements} improvement${improvements === 1 ? '' : 's'}</span>`;
  return '<span class="badge">unchanged</span>';
}

function figure(title: string, caption: string, chart: string): string {
  return `<figure><figcaption><h3>${title}</h3><p>${caption}</p></figcaption>${chart}</figure>`;
}

/** The platform's runs up to the compared one, oldest first: what happened before, not after. */
function runsOf(p: PlatformComparison, history: readonly RunRecord[]): RunRecord[] {
  const order = (r: Pick<RunRecord, 'startedAt' | 'runId'>) => `${r.startedAt}\u0000${r.runId}`;
  const last = order(p.current);
  return history
    .filter((r) => r.platform === p.platform && order(r) <= last)
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
    .slice(-RUNS_SHOWN);
}

/** The phases or components the report flagged, by name, for the charts to mark. */
function highlights(p: PlatformComparison, name: (m: MetricComparison) => string | undefined): Highlights {
  const flagged = new Map<string, 'regression' | 'improvement'>();
  for (const m of p.metrics) {
    const key = name(m);
    if (key !== undefined && (m.verdict === 'regression' || m.verdict === 'improvement')) flagged.set(key, m.verdict);
  }
  return flagged;
}

function charts(p: PlatformComparison, history: readonly RunRecord[], colours: ReadonlyMap<string, string>): string {
  const runs = runsOf(p, history);
  if (runs.length === 0) return '<p class="empty">No runs of this platform in the history, so no charts.</p>';
  const phases = highlights(p, (m) => m.phase);
  const components = highlights(p, (m) => m.component);
  const latest = runs.at(-1)!.sizes;
  return (
    figure('Boot phases over time', 'Median duration of each phase per run, oldest run on the left. Hover a point for its value.',
      phasesOverTimeChart(p.platform, runs, phases)) +
    figure('Phases per boot', 'Where each of the latest boots spent its time, from QEMU spawn to power-off; the current run in bold.',
      phasesPerBootChart(p.platform, runs, phases)) +
    figure('Image size per component over time',
      `Uncompressed initrd by top-level component; the number on each bar is its total. ` +
        `Image as shipped in the latest run: ${formatBytes(latest.total)} (kernel ${formatBytes(latest.kernel)} + compressed initrd ${formatBytes(latest.initrd)}).`,
      sizeOverTimeChart(p.platform, runs, components, colours))
  );
}

function platformSection(p: PlatformComparison, history: readonly RunRecord[], colours: ReadonlyMap<string, string>): string {
  const changed = changedMetrics(p);
  const baselines = p.baselineRuns.map(runLabel);
  const shown = baselines.length > 5 ? [...baselines.slice(0, 5), '…'] : baselines;
  return (
    `<section class="platform" id="${h(anchor(p.platform))}" data-platform="${h(p.platform)}">` +
    `<h2>${h(p.platform)}${badge(p)}</h2>` +
    `<p class="meta">Current <strong>${h(runLabel(p.current))}</strong> (${utc(p.current.startedAt)}) against ` +
    `${p.baselineRuns.length} baseline runs (${h(shown.join(', '))}); fingerprint <code>${h(p.fingerprintKey)}</code>.</p>` +
    (changed.length ? table(changed, p) : '<p>No metric moved beyond the thresholds.</p>') +
    `<details><summary>All ${p.metrics.length} metrics</summary>${table(p.metrics, p)}</details>` +
    charts(p, history, colours) +
    '</section>'
  );
}

/**
 * One self-contained page: the summary of the Markdown report, then per platform its tables and
 * three charts drawn as inline SVG. No script, font, image or stylesheet is fetched, so the file can
 * be attached to a CI run, mailed or opened offline and still look the same.
 */
export function renderHtml(report: RegressionReport, history: RunRecord[]): string {
  const platforms = platformsWorstFirst(report);
  const changes = allChanges(platforms).map(({ platform, metric }) => changeItem(platform, metric));
  const t = report.thresholds;
  const title = headline(report);
  const colours = componentColours(history.flatMap((r) => Object.keys(r.sizes.components)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(title)} · boot regression report</title>
<style>${STYLE}</style></head>
<body><main>
<header class="${report.regressions ? 'regressed' : 'clean'}"><h1>Boot regression report</h1>
<p class="headline">${h(title)}</p>
<p class="meta">${platforms.map((p) => h(p.platform)).join(' · ')} · generated ${utc(report.generatedAt)}</p></header>
${changes.length ? `<ul class="changes">${changes.join('')}</ul>` : ''}
${platforms.map((p) => platformSection(p, history, colours)).join('\n')}
<footer>Thresholds: α = ${t.alpha}; phases move by ${percentOf(t.phaseFraction)} % and ${t.phaseMs} ms, sizes by ${percentOf(t.sizeFraction)} % or ${formatBytes(t.sizeBytes)}.</footer>
</main></body></html>
`;
}
