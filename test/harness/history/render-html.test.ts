import { describe, expect, it } from 'vitest';
import { BOOTS_SHOWN } from '../../../harness/history/render-charts.js';
import { renderHtml } from '../../../harness/history/render-html.js';
import type { RegressionReport } from '../../../harness/history/types.js';
import type { RunRecord } from '../../../harness/metrics/types.js';
import { history, report, REVISIONS, withNastyRevision } from './render-fixture.js';

const PLATFORMS = ['qemu-arm64', 'qemu-x86_64'];
const CHARTS = ['phases-over-time', 'phases-per-boot', 'size-over-time'];

/** The one <svg> of a chart; charts never nest svg elements, so the first </svg> closes it. */
function chart(html: string, name: string, platform: string): string {
  const start = html.indexOf(`<svg class="chart" data-chart="${name}" data-platform="${platform}"`);
  expect(start, `${name} on ${platform}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length);
}

function series(svg: string, tag?: string): string[] {
  const pattern = new RegExp(`<${tag ?? '[a-z]+'} data-series="([^"]*)"`, 'g');
  return [...svg.matchAll(pattern)].map((m) => m[1]!);
}

function phasesOf(platform: string): string[] {
  return Object.keys(history.find((r) => r.platform === platform)!.boots[0]!.phases).filter((p) => p !== 'spawn');
}

function componentsOf(platform: string): string[] {
  return [...new Set(history.filter((r) => r.platform === platform).flatMap((r) => Object.keys(r.sizes.components)))].sort();
}

describe('renderHtml', () => {
  const html = renderHtml(report, history);

  it('is one self-contained page: nothing fetched, nothing scripted', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    // The only links are jumps within the page.
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.slice(0, 1))).toEqual(Array(6).fill('#'));
  });

  it('leads with the headline and every change named with its numbers, regressions highlighted', () => {
    expect(html).toContain('<header class="regressed">');
    expect(html).toContain('<p class="headline">5 regressions, 1 improvement</p>');
    const items = [...html.matchAll(/<li class="change (\w+)">(.*?)<\/li>/g)].map((m) => [m[1], m[2]!.replace(/<[^>]+>/g, '')]);
    expect(items[0]).toEqual(['regression', 'regressionqemu-x86_64phase init (kernel → init): 1902 ms → 2210 ms (+308 ms, +16.2 %, p = 0.0002)']);
    expect(items).toContainEqual(['regression', 'regressionqemu-x86_64component extra: 0 B → 8.00 MiB (+8.00 MiB, new, +8,388,608 bytes)']);
    expect(items.at(-1)).toEqual(['improvement', 'improvementqemu-arm64phase kernel (firstByte → kernel): 1400 ms → 1210 ms (-190 ms, -13.6 %, p = 0.0004)']);
    expect(items).toHaveLength(6);
  });

  it('shows a green header when nothing regressed', () => {
    const quiet: RegressionReport = {
      ...report,
      platforms: report.platforms.map((p) => ({ ...p, metrics: p.metrics.map((m) => ({ ...m, verdict: 'unchanged' as const })) })),
      regressions: 0,
      improvements: 0,
    };
    const page = renderHtml(quiet, history);
    expect(page).toContain('<header class="clean">');
    expect(page).toContain('<p class="headline">No regressions</p>');
    expect(page).not.toContain('<li class="change');
  });

  it('tables each platform\'s changed metrics, with all metrics collapsed', () => {
    const x86 = html.slice(html.indexOf('<section class="platform" id="platform-qemu-x86_64"'));
    const changed = x86.slice(0, x86.indexOf('<details>'));
    expect([...changed.matchAll(/<tr class="regression" data-metric="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'phase:init', 'size:total', 'size:initrd', 'size:initrdUncompressed', 'size:extra',
    ]);
    expect(changed).toContain('<td>+8.00 MiB (+8,388,608 bytes)</td>');
    const all = x86.slice(x86.indexOf('<details>'), x86.indexOf('</details>'));
    expect(all.match(/<tr class="/g)).toHaveLength(report.platforms.find((p) => p.platform === 'qemu-x86_64')!.metrics.length);
  });

  it('draws each chart once per platform', () => {
    const found = [...html.matchAll(/data-chart="([^"]+)" data-platform="([^"]+)"/g)].map((m) => `${m[2]} ${m[1]}`);
    // The regressed platform first.
    expect(found).toEqual([...PLATFORMS].reverse().flatMap((p) => CHARTS.map((c) => `${p} ${c}`)));
  });

  it('draws phases over time as one line per phase, a point per run, with a legend', () => {
    for (const platform of PLATFORMS) {
      const svg = chart(html, 'phases-over-time', platform);
      expect(series(svg, 'path').sort()).toEqual(phasesOf(platform).sort());
      expect(series(svg, 'circle')).toHaveLength(phasesOf(platform).length * 6);
      expect([...svg.matchAll(/data-legend="([^"]+)"/g)].map((m) => m[1])).toEqual(phasesOf(platform));
      for (const revision of REVISIONS) expect(svg).toContain(`>${revision}<`);
    }
    const x86 = chart(html, 'phases-over-time', 'qemu-x86_64');
    // 0 to 2500 ms in steps of 500 for medians up to 2400 ms.
    expect([...x86.matchAll(/class="tick"[^>]*>(\d+ ms)</g)].map((m) => m[1])).toEqual(['0 ms', '500 ms', '1000 ms', '1500 ms', '2000 ms', '2500 ms']);
    expect(x86).toContain('<title>init · 9d1f7b5: 2210 ms (median of 5 boots)</title>');
    expect(x86).toMatch(/<text class="legend-label regression"[^>]*>init ▲/);
  });

  it('draws the latest boots as stacked bars, one segment per phase with its ms in a tooltip', () => {
    for (const platform of PLATFORMS) {
      const svg = chart(html, 'phases-per-boot', platform);
      const segments = series(svg, 'rect');
      expect(segments).toHaveLength(BOOTS_SHOWN * phasesOf(platform).length);
      expect(new Set(segments)).toEqual(new Set(phasesOf(platform)));
      // The newest boots, oldest first: runs 3 to 6 of five boots each.
      const labels = [...svg.matchAll(/class="row-label[^"]*"[^>]*><title>[^<]*<\/title>([^<]+)</g)].map((m) => m[1]);
      expect(labels[0]).toBe(`${REVISIONS[2]} #1`);
      expect(labels.at(-1)).toBe(`${REVISIONS[5]} #5`);
    }
    expect(chart(html, 'phases-per-boot', 'qemu-x86_64').includes('<title>init: 2210 ms (at 3812 ms since spawn) · 9d1f7b5 boot 3</title>')).toBe(true);
  });

  it('draws image size as stacked bars of every component per run, with totals', () => {
    for (const platform of PLATFORMS) {
      const svg = chart(html, 'size-over-time', platform);
      expect([...new Set(series(svg, 'rect'))].sort()).toEqual(componentsOf(platform));
      expect([...svg.matchAll(/data-legend="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(componentsOf(platform));
      expect(svg.match(/<text class="total"/g)).toHaveLength(6);
    }
    const x86 = chart(html, 'size-over-time', 'qemu-x86_64');
    expect(series(x86, 'rect').filter((s) => s === 'extra')).toHaveLength(1);
    expect(x86).toContain('>29.15 MiB</text>');
    expect(x86).toMatch(/<text class="legend-label regression"[^>]*>extra ▲/);
    // A component has one colour on every platform.
    const fill = (svg: string, name: string) => new RegExp(`data-series="${name}"[^>]*fill="(#[0-9a-f]{6})"`).exec(svg)![1];
    expect(fill(x86, 'runtime')).toBe(fill(chart(html, 'size-over-time', 'qemu-arm64'), 'runtime'));
  });

  it('escapes revision labels and component names', () => {
    const nasty = withNastyRevision();
    const withComponent = nasty.history.map((r) => ({ ...r, sizes: { ...r.sizes, components: { ...r.sizes.components, 'a"b<c>&': 1024 } } }));
    const page = renderHtml(nasty.report, withComponent);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img onerror=x&gt;');
    expect(page).toContain('data-series="a&quot;b&lt;c&gt;&amp;"');
    expect(page).not.toContain('a"b<c>&');
  });

  it('labels a run without a revision by its date', () => {
    const unlabelled = history.map((r) => (r.revision === REVISIONS[0] ? { ...r, revision: r.runId } : r));
    const svg = chart(renderHtml(report, unlabelled), 'size-over-time', 'qemu-x86_64');
    expect(svg).toMatch(/<title>20 Nov<\/title>20 Nov<tspan class="sub" x="[\d.]+" dy="14">06:00<\/tspan><\/text>/);
    expect(svg).not.toContain(REVISIONS[0]);
  });

  it('charts only the runs up to the compared one', () => {
    const later: RunRecord[] = history
      .filter((r) => r.revision === REVISIONS[5])
      .map((r) => ({ ...r, runId: 'later', revision: 'from-the-future', startedAt: '2026-12-01T06:00:00.000Z' }));
    expect(renderHtml(report, [...history, ...later])).not.toContain('from-the-future');
  });

  it('says so instead of drawing empty charts when a platform has no history', () => {
    const page = renderHtml(report, history.filter((r) => r.platform !== 'qemu-arm64'));
    expect(page).toContain('No runs of this platform in the history');
    expect(page).not.toContain('data-platform="qemu-arm64" role="img"');
    expect(page).toContain('data-chart="size-over-time" data-platform="qemu-x86_64"');
  });
});
