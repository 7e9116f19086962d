/**
 * The HTML report in a real browser: Debian's chromium renders the page headless, a probe script
 * (added to a copy of the page, never to the report) measures every chart element after layout,
 * and a screenshot shows the charts were actually painted.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHostTools } from '../../../fixtures/host-tools.js';
import { renderHtml } from '../../../harness/history/render-html.js';
import { PHASE_COLOURS, REGRESSION_COLOUR } from '../../../harness/history/render-svg.js';
import { BOOTS_SHOWN } from '../../../harness/history/render-charts.js';
import { history, NASTY_REVISION, report, withNastyRevision } from './render-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

async function chromium(args: string[]): Promise<string> {
  // A fresh profile per run: nothing cached or synced from an earlier run can change the result.
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
  const { stdout } = await execa(CHROMIUM, [...flags, ...args], { stdin: 'ignore', timeout: 120_000 });
  return stdout;
}

/** Runs in the browser after layout and leaves its measurements in the DOM for --dump-dom. */
const PROBE = `<script>
const box = (el) => { const b = el.getBBox(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
const charts = [...document.querySelectorAll('svg[data-chart]')].map((svg) => {
  const rect = svg.getBoundingClientRect();
  return {
    chart: svg.dataset.chart, platform: svg.dataset.platform,
    shown: { width: rect.width, height: rect.height },
    viewBox: { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height },
    series: [...svg.querySelectorAll('[data-series]')].map((el) => ({ series: el.dataset.series, tag: el.tagName, ...box(el) })),
    texts: [...svg.querySelectorAll('text')].map((el) => ({ text: el.textContent, ...box(el) })),
  };
});
const probe = document.createElement('pre');
probe.id = 'probe';
const titles = [...document.querySelectorAll('svg title')].map((t) => t.textContent);
probe.textContent = JSON.stringify({ charts, titles, images: document.images.length, text: document.body.innerText });
document.body.append(probe);
</script>`;

interface Box { x: number; y: number; width: number; height: number }
interface Probe {
  charts: {
    chart: string;
    platform: string;
    shown: { width: number; height: number };
    viewBox: { width: number; height: number };
    series: (Box & { series: string; tag: string })[];
    texts: (Box & { text: string })[];
  }[];
  titles: string[];
  images: number;
  text: string;
}

function unescapeText(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&nbsp;/g, '\u00a0').replace(/&amp;/g, '&');
}

interface Png { width: number; height: number; rgb: (i: number) => number }

/** Enough of PNG to read chromium's screenshots: 8-bit RGB or RGBA, not interlaced. */
function decodePng(file: Buffer): Png {
  expect(file.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      expect({ depth: data[8], interlace: data[12] }).toEqual({ depth: 8, interlace: 0 });
      channels = ({ 2: 3, 6: 4 } as Record<number, number>)[data[9]!] ?? 0;
      expect(channels, `colour type ${data[9]}`).toBeGreaterThan(0);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`PNG filter ${filter} in row ${y}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return { width, height, rgb: (i) => pixels.readUIntBE(i * channels, 3) };
}

function inside(box: Box, view: { width: number; height: number }): boolean {
  return box.x >= -0.5 && box.y >= -0.5 && box.x + box.width <= view.width + 0.5 && box.y + box.height <= view.height + 0.5;
}

describe('renderHtml in headless chromium', () => {
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      const log = (line: string) => process.stderr.write(`[chromium] ${line}\n`);
      await ensureHostTools({ install: true, log, tools: [{ command: 'chromium', package: 'chromium', why: 'renders the HTML report' }] });
    }
    expect(existsSync(CHROMIUM), `${CHROMIUM} after installing chromium`).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'render-html-'));
  }, 1_200_000);

  it('lays out three charts per platform with sane geometry and no element from text', async () => {
    const nasty = withNastyRevision();
    const page = join(dir, 'probe.html');
    await writeFile(page, renderHtml(nasty.report, nasty.history).replace('</body>', `${PROBE}</body>`));
    const dom = await chromium(['--window-size=1280,2400', '--dump-dom', `file://${page}`]);
    const json = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
    expect(json, 'the probe ran').toBeDefined();
    const probe = JSON.parse(unescapeText(json!)) as Probe;

    expect(probe.images).toBe(0);
    expect(probe.text).toContain(NASTY_REVISION);
    expect(probe.titles).toContain(NASTY_REVISION);
    expect(probe.charts.map((c) => `${c.platform} ${c.chart}`).sort()).toEqual(
      ['qemu-arm64', 'qemu-x86_64'].flatMap((p) => ['phases-over-time', 'phases-per-boot', 'size-over-time'].map((c) => `${p} ${c}`)),
    );
    for (const c of probe.charts) {
      const where = `${c.platform} ${c.chart}`;
      // Scaled to the page's content width at a 1280 px window, never squeezed or blown up.
      expect(c.shown.width, where).toBeGreaterThan(900);
      expect(c.shown.height / c.shown.width, where).toBeCloseTo(c.viewBox.height / c.viewBox.width, 2);
      for (const s of c.series) expect(inside(s, c.viewBox), `${where} ${s.series} ${JSON.stringify(s)}`).toBe(true);
      // Every label was laid out with a real font and none runs off the chart (legends included).
      expect(c.texts.length, where).toBeGreaterThan(10);
      for (const t of c.texts) {
        expect(t.width, `${where} text "${t.text}"`).toBeGreaterThan(0);
        expect(inside(t, c.viewBox), `${where} text "${t.text}" ${JSON.stringify(t)}`).toBe(true);
      }
    }
    const chart = (platform: string, name: string) => probe.charts.find((c) => c.platform === platform && c.chart === name)!;
    const phasesOf = (platform: string) => [...new Set(history.filter((r) => r.platform === platform).flatMap((r) => Object.keys(r.boots[0]!.phases)))].filter((p) => p !== 'spawn');
    for (const platform of ['qemu-x86_64', 'qemu-arm64']) {
      const lines = chart(platform, 'phases-over-time').series.filter((s) => s.tag === 'path');
      expect(lines.map((l) => l.series).sort()).toEqual(phasesOf(platform).sort());
      // Six runs spread over most of the plot's width.
      for (const l of lines) expect(l.width, l.series).toBeGreaterThan(500);

      const bars = chart(platform, 'phases-per-boot').series;
      expect(bars).toHaveLength(BOOTS_SHOWN * phasesOf(platform).length);
      for (const b of bars) expect(b.width * b.height, b.series).toBeGreaterThan(0);

      const sizes = chart(platform, 'size-over-time').series;
      const components = new Set(history.filter((r) => r.platform === platform).flatMap((r) => Object.keys(r.sizes.components)));
      expect(new Set(sizes.map((s) => s.series))).toEqual(components);
      for (const s of sizes) expect(s.height, s.series).toBeGreaterThan(0);
    }
    // Bar heights are proportional to bytes: in the last bar, extra (8 MiB) against runtime (9.8 MiB).
    const sizes = chart('qemu-x86_64', 'size-over-time').series;
    const extra = sizes.filter((s) => s.series === 'extra');
    const runtime = sizes.filter((s) => s.series === 'runtime').sort((a, b) => a.x - b.x).at(-1)!;
    expect(extra).toHaveLength(1);
    expect(extra[0]!.x).toBeCloseTo(runtime.x, 1);
    expect(extra[0]!.height / runtime.height).toBeCloseTo(8 / 9.8, 1);
  });

  it('paints the page: a screenshot full of chart colours, not a blank canvas', async () => {
    const page = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    await writeFile(page, renderHtml(report, history));
    await chromium([`--screenshot=${png}`, '--window-size=1280,2400', `file://${page}`]);
    expect((await stat(png)).size).toBeGreaterThan(20 * 1024);

    const image = decodePng(await readFile(png));
    expect([image.width, image.height]).toEqual([1280, 2400]);
    const counts = new Map<number, number>();
    for (let i = 0; i < image.width * image.height; i++) counts.set(image.rgb(i), (counts.get(image.rgb(i)) ?? 0) + 1);
    expect(counts.size).toBeGreaterThan(50);
    // The red regression banner and the bars of the slower phase are really on screen.
    const pixels = (hex: string) => counts.get(Number.parseInt(hex.slice(1), 16)) ?? 0;
    expect(pixels(REGRESSION_COLOUR)).toBeGreaterThan(5_000);
    expect(pixels(PHASE_COLOURS.init)).toBeGreaterThan(2_000);
    expect(pixels(PHASE_COLOURS.kernel)).toBeGreaterThan(2_000);
  });
});
