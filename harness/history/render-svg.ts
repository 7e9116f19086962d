/**
 * The few SVG pieces the report's charts share: escaping, tick choice, axes and a legend. Charts are
 * drawn here, on the server, so the page needs no script and looks the same in a mail client, a CI
 * artifact viewer or a browser with JavaScript off.
 */
import type { PhaseName } from '../model/types.js';

/** For text and attribute values alike (all attributes are double-quoted). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Regressions are red everywhere on the page, so no series colour is red. */
export const REGRESSION_COLOUR = '#d1242f';
export const IMPROVEMENT_COLOUR = '#1a7f37';

/** Fixed per phase, so the same phase has the same colour on every platform and every chart. */
export const PHASE_COLOURS: Readonly<Record<PhaseName, string>> = {
  spawn: '#6b7280',
  connect: '#8c8c8c',
  powerOn: '#4b5563',
  request: '#a0cbe8',
  running: '#86bcb6',
  firstByte: '#bab0ac',
  firmware: '#9c755f',
  bootloader: '#ff9da7',
  imagesLoaded: '#c7a17a',
  kernel: '#4e79a7',
  init: '#f28e2b',
  sshReady: '#8cd17d',
  ready: '#59a14f',
  firstCase: '#76b7b2',
  lastCaseEnd: '#b07aa1',
  poweroff: '#edc948',
  disconnect: '#d4a6c8',
  destroyed: '#79706e',
};

const COMPONENT_COLOURS = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948',
  '#9c755f', '#ff9da7', '#bab0ac', '#86bcb6', '#d4a6c8', '#8cd17d',
];

/**
 * Colour by name over every component the page shows, so `runtime` has one colour on all platforms
 * even when only one of them grew an extra component.
 */
export function componentColours(names: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  return new Map(sorted.map((name, i) => [name, COMPONENT_COLOURS[i % COMPONENT_COLOURS.length]!]));
}

/** The colour that marks a flagged series' newest element. */
export function flagColour(flag: 'regression' | 'improvement'): string {
  return flag === 'regression' ? REGRESSION_COLOUR : IMPROVEMENT_COLOUR;
}

/** Margins around the plot; the right one holds the legend. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** One decimal is finer than a pixel and keeps the page small. */
export function px(n: number): number {
  return Math.round(n * 10) / 10;
}

export function plotWidth(f: Frame): number {
  return f.width - f.left - f.right;
}

export function plotHeight(f: Frame): number {
  return f.height - f.top - f.bottom;
}

/** How an axis counts: ms below 10 s, else s; bytes in the largest binary unit that fits. */
export interface AxisUnit {
  divisor: number;
  suffix: string;
}

export function axisUnit(unit: 'ms' | 'bytes', max: number): AxisUnit {
  if (unit === 'ms') return max >= 10_000 ? { divisor: 1000, suffix: 's' } : { divisor: 1, suffix: 'ms' };
  if (max >= 1024 ** 3) return { divisor: 1024 ** 3, suffix: 'GiB' };
  if (max >= 1024 ** 2) return { divisor: 1024 ** 2, suffix: 'MiB' };
  if (max >= 1024) return { divisor: 1024, suffix: 'KiB' };
  return { divisor: 1, suffix: 'B' };
}

/** Ticks from 0 in steps of 1, 2, 2.5 or 5 × 10^k, the last one at or above `max`. */
export function niceTicks(max: number, unit: AxisUnit, target = 5): number[] {
  const top = max / unit.divisor;
  if (!(top > 0)) return [0, unit.divisor];
  const raw = top / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(10)) * unit.divisor);
}

export function tickLabel(value: number, unit: AxisUnit): string {
  return `${Number((value / unit.divisor).toPrecision(6))} ${unit.suffix}`;
}

/** Horizontal grid lines with labels on the left, for a vertical value axis. */
export function valueAxisY(f: Frame, ticks: number[], unit: AxisUnit): string {
  const max = ticks.at(-1)!;
  return ticks
    .map((t) => {
      const y = f.top + plotHeight(f) * (1 - t / max);
      return (
        `<line class="grid" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"/>` +
        `<text class="tick" x="${f.left - 8}" y="${y + 4}" text-anchor="end">${tickLabel(t, unit)}</text>`
      );
    })
    .join('');
}

/** Vertical grid lines with labels underneath, for a horizontal value axis. */
export function valueAxisX(f: Frame, ticks: number[], unit: AxisUnit): string {
  const max = ticks.at(-1)!;
  return ticks
    .map((t) => {
      const x = f.left + plotWidth(f) * (t / max);
      return (
        `<line class="grid" x1="${x}" x2="${x}" y1="${f.top}" y2="${f.height - f.bottom}"/>` +
        `<text class="tick" x="${x}" y="${f.height - f.bottom + 16}" text-anchor="middle">${tickLabel(t, unit)}</text>`
      );
    })
    .join('');
}

/** Long labels would run into their neighbours; the full text stays in the tooltip. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface CategoryLabel {
  x: number;
  text: string;
  /** Second, lighter line, e.g. the date under a revision. */
  sub?: string;
}

/** Labels under a category axis; with many categories only every k-th is written. */
export function categoryAxisX(f: Frame, labels: CategoryLabel[]): string {
  const every = Math.max(1, Math.ceil(labels.length / Math.floor(plotWidth(f) / 90)));
  const y = f.height - f.bottom;
  const axis = `<line class="axis" x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}"/>`;
  return (
    axis +
    labels
      .filter((_, i) => i % every === 0 || i === labels.length - 1)
      .map(
        (l) =>
          `<text class="tick" x="${l.x}" y="${y + 16}" text-anchor="middle"><title>${escapeHtml(l.text)}</title>` +
          `${escapeHtml(shorten(l.text, 12))}` +
          (l.sub ? `<tspan class="sub" x="${l.x}" dy="14">${escapeHtml(l.sub)}</tspan>` : '') +
          '</text>',
      )
      .join('')
  );
}

export interface LegendItem {
  series: string;
  colour: string;
  label: string;
  /** The latest value, so the legend doubles as a table of today's numbers. */
  detail: string;
  highlight?: 'regression' | 'improvement';
}

/** A column of swatches in the right margin, top to bottom. */
export function legend(f: Frame, items: LegendItem[]): string {
  const x = f.width - f.right + 18;
  return items
    .map((item, i) => {
      const y = f.top + 4 + i * 20;
      const mark = item.highlight === 'regression' ? ' ▲' : item.highlight === 'improvement' ? ' ▼' : '';
      const cls = item.highlight ? `legend-label ${item.highlight}` : 'legend-label';
      return (
        `<g class="legend" data-legend="${escapeHtml(item.series)}">` +
        `<rect x="${x}" y="${y}" width="12" height="12" rx="2" fill="${item.colour}"/>` +
        `<text class="${cls}" x="${x + 18}" y="${y + 10}">${escapeHtml(shorten(item.label, 18))}${mark}` +
        `<tspan class="legend-detail" dx="6">${escapeHtml(item.detail)}</tspan></text></g>`
      );
    })
    .join('');
}

/** The outer element every chart shares; `data-*` lets tests and scripts find charts and series. */
export function svgChart(chart: string, platform: string, f: Frame, label: string, body: string): string {
  return (
    `<svg class="chart" data-chart="${chart}" data-platform="${escapeHtml(platform)}" role="img" ` +
    `aria-label="${escapeHtml(label)}" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}">` +
    `${body}</svg>`
  );
}
