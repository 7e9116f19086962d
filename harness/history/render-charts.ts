/**
 * The three charts of one platform in the HTML report, as inline SVG strings. Each drawn element of
 * a series carries `data-series` and a `<title>` tooltip with its exact number, so the chart can be
 * read precisely on hover and found by tests.
 */
import type { PhaseName } from '../model/types.js';
import { PHASE_ORDER, type RunRecord } from '../metrics/types.js';
import { phaseIntervals } from './compare.js';
import { formatBytes, formatExactBytes, formatMs, runLabel } from './render-format.js';
import {
  axisUnit,
  categoryAxisX,
  escapeHtml,
  flagColour,
  legend,
  niceTicks,
  PHASE_COLOURS,
  plotHeight,
  plotWidth,
  px,
  shorten,
  svgChart,
  valueAxisX,
  valueAxisY,
  type CategoryLabel,
  type Frame,
  type LegendItem,
} from './render-svg.js';
import { median } from './stats.js';

/** Which series the report flagged, to mark them in legends and draw them on top. */
export type Highlights = ReadonlyMap<string, 'regression' | 'improvement'>;

/** How many of the newest boots "Phases per boot" shows: enough to see spread, few enough to read. */
export const BOOTS_SHOWN = 20;

const WIDTH = 1100;
const LEGEND_WIDTH = 230;

function runLabels(runs: readonly RunRecord[], xOf: (i: number) => number): CategoryLabel[] {
  return runs.map((run, i) => {
    // "20 Nov" and "06:00" in UTC, like every time on the page.
    const [day, time] = [new Date(run.startedAt).toUTCString().slice(5, 11), run.startedAt.slice(11, 16)];
    // A revision says what was tested and the date under it when; without a revision, day and time.
    const text = runLabel(run);
    return text === run.revision ? { x: xOf(i), text, sub: day } : { x: xOf(i), text: day, sub: time };
  });
}

/** Draw flagged series last so a regression is never hidden under an unchanged line. */
function flaggedLast<T extends string>(series: T[], highlights: Highlights): T[] {
  return [...series.filter((s) => !highlights.has(s)), ...series.filter((s) => highlights.has(s))];
}

function titled(text: string): string {
  return `<title>${escapeHtml(text)}</title>`;
}

/** Median of each phase interval per run, one line per phase. */
export function phasesOverTimeChart(platform: string, runs: readonly RunRecord[], highlights: Highlights): string {
  const medians = runs.map((run) => {
    const boots = run.boots.map(phaseIntervals);
    const byPhase = new Map<PhaseName, number>();
    for (const phase of PHASE_ORDER) {
      const values = boots.flatMap((b) => (b[phase] === undefined ? [] : [b[phase]]));
      if (values.length) byPhase.set(phase, median(values));
    }
    return byPhase;
  });
  const phases = PHASE_ORDER.filter((phase) => medians.some((m) => m.has(phase)));
  const f: Frame = { width: WIDTH, height: 340, left: 64, right: LEGEND_WIDTH, top: 16, bottom: 48 };
  const max = Math.max(0, ...medians.flatMap((m) => [...m.values()]));
  const unit = axisUnit('ms', max);
  const ticks = niceTicks(max, unit);
  const xOf = (i: number) => px(f.left + (plotWidth(f) * (i + 0.5)) / runs.length);
  const yOf = (v: number) => px(f.top + plotHeight(f) * (1 - v / ticks.at(-1)!));
  const lines = flaggedLast(phases, highlights).map((phase) => {
    const colour = PHASE_COLOURS[phase];
    const width = highlights.has(phase) ? 3.5 : 2;
    // A run without this phase breaks the line rather than bridging the gap.
    const d = medians
      .map((m, i) => (m.has(phase) ? `${i > 0 && medians[i - 1]!.has(phase) ? 'L' : 'M'}${xOf(i)} ${yOf(m.get(phase)!)}` : ''))
      .join('');
    const flag = highlights.get(phase);
    const dots = medians.map((m, i) =>
      m.has(phase)
        ? `<circle data-series="${phase}" cx="${xOf(i)}" cy="${yOf(m.get(phase)!)}" fill="${colour}" ` +
          // The newest point of a flagged phase gets a ring in the verdict's colour: the eye lands on it.
          (flag && i === runs.length - 1 ? `r="6" stroke="${flagColour(flag)}" stroke-width="2.5">` : 'r="3.5" stroke="#fff">') +
          titled(`${phase} · ${runLabel(runs[i]!)}: ${formatMs(m.get(phase)!)} (median of ${runs[i]!.boots.length} boots)`) +
          '</circle>'
        : '',
    );
    return `<path data-series="${phase}" d="${d}" fill="none" stroke="${colour}" stroke-width="${width}" stroke-linejoin="round"/>${dots.join('')}`;
  });
  const items: LegendItem[] = phases.map((phase) => {
    const latest = [...medians].reverse().find((m) => m.has(phase))?.get(phase);
    const highlight = highlights.get(phase);
    return { series: phase, colour: PHASE_COLOURS[phase], label: phase, detail: latest === undefined ? '' : formatMs(latest), ...(highlight ? { highlight } : {}) };
  });
  const body = valueAxisY(f, ticks, unit) + categoryAxisX(f, runLabels(runs, xOf)) + lines.join('') + legend(f, items);
  return svgChart('phases-over-time', platform, f, `Median phase durations per run on ${platform}`, body);
}

/** One stacked bar per boot of the newest runs: where each boot spent its time. */
export function phasesPerBootChart(platform: string, runs: readonly RunRecord[], highlights: Highlights): string {
  const current = runs.at(-1);
  const boots = runs.flatMap((run) => run.boots.map((boot, index) => ({ run, boot, index }))).slice(-BOOTS_SHOWN);
  const [rowHeight, top, bottom] = [22, 16, 34];
  const f: Frame = { width: WIDTH, height: top + boots.length * rowHeight + bottom, left: 150, right: LEGEND_WIDTH, top, bottom };
  const ends = boots.map(({ boot }) => Math.max(0, ...Object.values(boot.phases)));
  // Headroom for the total written after the longest bar, so it never runs into the legend.
  const longest = Math.max(0, ...ends) * 1.1;
  const unit = axisUnit('ms', longest);
  const ticks = niceTicks(longest, unit);
  const scale = (ms: number) => (plotWidth(f) * ms) / ticks.at(-1)!;
  const seen = new Set<PhaseName>();
  const rows = boots.map(({ run, boot, index }, row) => {
    const y = f.top + row * rowHeight;
    const intervals = phaseIntervals(boot);
    const segments = PHASE_ORDER.map((phase) => {
      const length = intervals[phase];
      const end = boot.phases[phase];
      if (length === undefined || end === undefined) return '';
      seen.add(phase);
      // Placed at the phase's own stamps, so a missing phase leaves its predecessor's bar longer, not a hole.
      return (
        `<rect data-series="${phase}" x="${px(f.left + scale(end - length))}" y="${y + 3}" width="${px(scale(length))}" ` +
        `height="${rowHeight - 6}" fill="${PHASE_COLOURS[phase]}" stroke="#fff" stroke-width="0.5">` +
        titled(`${phase}: ${formatMs(length)} (at ${formatMs(end)} since spawn) · ${runLabel(run)} boot ${index + 1}`) +
        '</rect>'
      );
    }).join('');
    const label = `${shorten(runLabel(run), 14)} #${index + 1}`;
    const cls = run === current ? 'row-label current' : 'row-label';
    // A rule where one run's boots end and the next run's begin.
    const rule = row > 0 && boots[row - 1]!.run !== run ? `<line class="run-break" x1="8" x2="${f.width - f.right}" y1="${y}" y2="${y}"/>` : '';
    return (
      rule +
      `<text class="${cls}" x="${f.left - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end">${titled(boot.bootId)}${escapeHtml(label)}</text>` +
      segments +
      `<text class="bar-end" x="${px(f.left + scale(ends[row]!) + 6)}" y="${y + rowHeight / 2 + 4}">${formatMs(ends[row]!)}</text>`
    );
  });
  // The legend gives the current run's median, the number the bold bars are about.
  const latest = (current?.boots ?? []).map(phaseIntervals);
  const items: LegendItem[] = PHASE_ORDER.filter((p) => seen.has(p)).map((phase) => {
    const values = latest.flatMap((b) => (b[phase] === undefined ? [] : [b[phase]]));
    const highlight = highlights.get(phase);
    const detail = values.length ? formatMs(median(values)) : '';
    return { series: phase, colour: PHASE_COLOURS[phase], label: phase, detail, ...(highlight ? { highlight } : {}) };
  });
  const body = valueAxisX(f, ticks, unit) + rows.join('') + legend(f, items);
  return svgChart('phases-per-boot', platform, f, `Phase durations of the last ${boots.length} boots on ${platform}`, body);
}

/** Uncompressed initrd bytes per component, one stacked bar per run, its total on top. */
export function sizeOverTimeChart(
  platform: string,
  runs: readonly RunRecord[],
  highlights: Highlights,
  colour: ReadonlyMap<string, string>,
): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.sizes.components)))];
  // The largest at the bottom, where its changes are easiest to compare between bars.
  const latest = runs.at(-1)?.sizes.components ?? {};
  const stack = [...names].sort((a, b) => (latest[b] ?? 0) - (latest[a] ?? 0));
  const totals = runs.map((r) => Object.values(r.sizes.components).reduce((a, b) => a + b, 0));
  const f: Frame = { width: WIDTH, height: 360, left: 72, right: LEGEND_WIDTH, top: 28, bottom: 48 };
  const unit = axisUnit('bytes', Math.max(0, ...totals));
  const ticks = niceTicks(Math.max(0, ...totals), unit);
  const scale = (bytes: number) => (plotHeight(f) * bytes) / ticks.at(-1)!;
  const slot = plotWidth(f) / Math.max(1, runs.length);
  const barWidth = px(Math.min(56, slot * 0.6));
  const xOf = (i: number) => px(f.left + slot * (i + 0.5));
  const bars = runs.map((run, i) => {
    let base = f.top + plotHeight(f);
    const rects = stack.map((name) => {
      const bytes = run.sizes.components[name] ?? 0;
      if (bytes === 0) return '';
      const h = scale(bytes);
      base -= h;
      const flag = i === runs.length - 1 ? highlights.get(name) : undefined;
      const outline = flag ? `stroke="${flagColour(flag)}" stroke-width="2.5"` : 'stroke="#fff" stroke-width="0.5"';
      return (
        `<rect data-series="${escapeHtml(name)}" x="${px(xOf(i) - barWidth / 2)}" y="${px(base)}" width="${barWidth}" height="${px(h)}" ` +
        `fill="${colour.get(name) ?? '#bab0ac'}" ${outline}>` +
        titled(`${name} · ${runLabel(run)}: ${formatBytes(bytes)} (${formatExactBytes(bytes)})`) +
        '</rect>'
      );
    });
    return `${rects.join('')}<text class="total" x="${xOf(i)}" y="${px(base - 6)}" text-anchor="middle">${formatBytes(totals[i]!)}</text>`;
  });
  const items: LegendItem[] = [...stack].reverse().map((name) => {
    const highlight = highlights.get(name);
    return { series: name, colour: colour.get(name) ?? '#bab0ac', label: name, detail: formatBytes(latest[name] ?? 0), ...(highlight ? { highlight } : {}) };
  });
  const body = valueAxisY(f, ticks, unit) + categoryAxisX(f, runLabels(runs, xOf)) + bars.join('') + legend(f, items);
  return svgChart('size-over-time', platform, f, `Uncompressed initrd size per component per run on ${platform}`, body);
}
