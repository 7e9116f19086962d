/**
 * report.html in Debian's headless chromium through playwright-core: filter, search, open a case,
 * and read what a person would see. Chromium is installed with apt when missing; a run needs no VM
 * and takes seconds, so this lives in the fast project.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReporters } from '../../../harness/report/index.js';
import { INSTALL_TIMEOUT_MS, needHostTool } from '../../support/host-tool.js';
import { everyClassRun, HOSTILE_NAME, type EveryClassRun } from './every-class-fixture.js';

const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const TIMEOUT_MS = 30_000;

/** Counts in the browser itself: a canvas decodes the screenshot, so no PNG decoder is needed here. */
const PIXEL_STATS = `async (base64) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + base64;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext('2d');
  g.drawImage(image, 0, 0);
  const px = g.getImageData(0, 0, image.width, image.height).data;
  const colours = new Map();
  let inked = 0;
  for (let i = 0; i < px.length; i += 4) {
    const rgb = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
    colours.set(rgb, (colours.get(rgb) || 0) + 1);
    if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) inked++;
  }
  const commonest = Math.max(...colours.values());
  return { width: image.width, height: image.height, colours: colours.size, inked, background: commonest };
}`;

let run: EveryClassRun;
let context: BrowserContext;
let url: string;

async function openReport(): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('request', (r) => r.url() !== url && problems.push(`request: ${r.url()}`));
  await page.goto(url);
  return { page, problems };
}

const visibleIds = (page: Page): Promise<string[]> => page.locator('#cases details.case:visible .case-id').allInnerTexts();
const caseRow = (page: Page, id: string): Locator => page.locator('#cases details.case').filter({ has: page.locator('.case-id', { hasText: id }) }).first();

async function inViewOf(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  return Boolean(a && b && a.y >= b.y && a.y + Math.min(a.height, 20) <= b.y + b.height);
}

describe('report.html in headless chromium', () => {
  beforeAll(async () => {
    const executablePath = await needHostTool({ command: 'chromium', package: 'chromium', why: 'renders report.html in the tests' });
    const root = await mkdtemp(join(tmpdir(), 'html-browser-'));
    run = await everyClassRun(root);
    const [reporter] = createReporters(['html'], { outDir: run.info.outDir, write: () => {}, color: false, live: false });
    reporter!.onRunBegin?.(run.info);
    await reporter!.onRunEnd?.(run.summary);
    url = pathToFileURL(join(run.info.outDir, 'report.html')).href;
    // A fresh profile per run: nothing cached or synced from an earlier run can change the result.
    const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, viewport: { width: 1280, height: 1000 } });
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await context?.close();
  });

  it('sums up each platform, outcomes and error classes apart', { timeout: TIMEOUT_MS }, async () => {
    const { page, problems } = await openReport();
    expect(await page.title()).toBe('harness run run-7');
    expect(await page.locator('#platforms thead th').allInnerTexts()).toEqual([
      'Platform', 'Passed', 'Failed', 'Flaky', 'Skipped', 'Errors: infra', 'Errors: boot', 'Errors: timeout', 'Errors: harness',
    ]);
    const rows = page.locator('#platforms tbody tr');
    expect(await rows.nth(0).locator('td').allInnerTexts()).toEqual(['qemu:x86_64', '1', '2', '0', '0', '0', '0', '1', '1']);
    expect(await rows.nth(1).locator('td').allInnerTexts()).toEqual(['qemu:arm64', '0', '0', '1', '1', '1', '1', '0', '0']);
    expect(await page.locator('.chip').allInnerTexts()).toEqual(['All9', 'Passed1', 'Failed2', 'Flaky1', 'Skipped1', 'Errors4']);
    expect(problems).toEqual([]);
  });

  it("filters to failures, opens the failing case, and shows its assert, diagnostic and console", { timeout: TIMEOUT_MS }, async () => {
    const { page, problems } = await openReport();
    await page.locator('.chip[data-outcome=fail]').click();
    expect(await visibleIds(page)).toEqual(['hostname', HOSTILE_NAME]);

    const row = caseRow(page, 'hostname');
    await row.locator('summary').click();
    expect(await row.locator('.banner').innerText()).toBe('Failed1 of 2 failed: "uts > name is set"');
    const assert = row.locator('li.assert li.assert');
    expect(await assert.isVisible()).toBe(true);
    expect(await assert.innerText()).toMatch(/^✗ not ok 1 name is set\n/);
    const diag = assert.locator('pre.diag');
    expect(await diag.isVisible()).toBe(true);
    expect(await diag.innerText()).toBe('got: (none)\nwanted: harness\nat:\n  file: /case/check.sh\n  line: 12');
    expect(await row.locator('.exit').innerText()).toMatch(/^exit code 1 · /);
    expect((await row.locator('pre.stderr').innerText()).trimEnd()).toBe('hostname: sethostname: Operation not permitted');

    const part = row.locator('pre.console-part');
    expect(await part.isVisible()).toBe(true);
    expect((await part.innerText()).trimEnd()).toBe(run.consoleText.get('hostname')!.trimEnd());

    // The whole log starts collapsed; opened, it shows the case's part marked and scrolled into view.
    const whole = row.locator('details.sub', { hasText: 'Whole console log' });
    expect(await whole.locator('pre').count()).toBe(0);
    await whole.locator('summary').click();
    const pre = whole.locator('pre.whole');
    expect(await pre.innerText()).toContain('SeaBIOS (version 1.16.2-debian-1.16.2-1)');
    expect((await whole.locator('mark').allInnerTexts()).join('')).toBe(run.consoleText.get('hostname'));
    expect(await inViewOf(whole.locator('mark').first(), pre)).toBe(true);

    const png = await page.screenshot({ fullPage: true });
    const blank = await context.newPage();
    const stats = (await blank.evaluate(`(${PIXEL_STATS})(${JSON.stringify(png.toString('base64'))})`)) as Record<string, number>;
    await blank.close();
    const pixels = stats.width! * stats.height!;
    expect(stats.width).toBe(1280);
    expect(stats.colours, 'distinct colours').toBeGreaterThan(200);
    expect(stats.inked! / pixels, 'share of dark pixels: text, bars, borders').toBeGreaterThan(0.02);
    expect(stats.background! / pixels, 'share of the commonest colour').toBeLessThan(0.8);
    expect(problems).toEqual([]);
  });

  it('shows hostile case text as text and runs none of it', { timeout: TIMEOUT_MS }, async () => {
    const { page, problems } = await openReport();
    await page.locator('#search').fill('::add-mask::');
    expect(await visibleIds(page)).toEqual([HOSTILE_NAME]);
    const row = caseRow(page, 'escape');
    await row.locator('summary').click();
    await row.locator('details.sub', { hasText: 'Whole console log' }).locator('summary').click();
    expect(await row.locator('li.assert').first().innerText()).toMatch(/^✗ not ok 1 reads outside <\/script><b>bold<\/b>\n/);
    expect(await row.locator('pre.console-part').innerText()).toContain('</script><script>document.title="pwned"</script>');
    expect(await page.title()).toBe('harness run run-7');
    expect(await page.locator('#app script, #app b:has-text("bold"), #app img').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('filters by platform, label and search together, and says when nothing matches', { timeout: TIMEOUT_MS }, async () => {
    const { page, problems } = await openReport();
    await page.locator('#label-filter').selectOption('net');
    expect(await visibleIds(page)).toEqual(['net-loopback', 'no-network']);
    await page.locator('#platform-filter').selectOption('qemu:arm64');
    expect(await visibleIds(page)).toEqual(['no-network']);
    await page.locator('#label-filter').selectOption('');
    await page.locator('.chip[data-outcome=error]').click();
    expect(await visibleIds(page)).toEqual(['pull-image', 'panic']);
    await page.locator('#search').fill('EIO');
    expect(await visibleIds(page)).toEqual(['pull-image']);
    await page.locator('#search').fill('no such case');
    expect(await page.locator('#no-match').isVisible()).toBe(true);
    // A platform's row in the summary table is a filter too.
    await page.locator('#search').fill('');
    await page.locator('.chip[data-outcome=all]').click();
    await page.locator('#platforms tbody tr').first().click();
    expect(await visibleIds(page)).toEqual(['net-loopback', 'hostname', HOSTILE_NAME, 'slow', 'agent-lost']);
    expect(problems).toEqual([]);
  });

  it("draws each boot's phases as a waterfall in the order they happened", { timeout: TIMEOUT_MS }, async () => {
    const { page, problems } = await openReport();
    const boot = page.locator('.boot[data-boot="arm-boot-1"]');
    expect(await boot.locator('.phase').allInnerTexts()).toEqual(['spawn', 'firstByte', 'bootloader', 'kernel', 'ready', 'firstCase', 'lastCaseEnd', 'poweroff']);
    const track = (await boot.locator('.track').first().boundingBox())!;
    const bars = await Promise.all((await boot.locator('.bar').all()).map(async (b) => (await b.boundingBox())!));
    // Each interval starts where the one before ended, on one scale: the boot's last phase at the track's end.
    const at = [0, 90, 700, 800, 1700, 1750, 2800, 3000];
    bars.forEach((bar, i) => expect(bar.x - track.x, `bar ${i}`).toBeCloseTo((track.width * (at[i - 1] ?? 0)) / 3000, -0.5));
    expect(bars.at(-1)!.x + bars.at(-1)!.width).toBeCloseTo(track.x + track.width, 0);
    expect(await page.locator('.boot[data-boot="arm-boot-2"] .banner').innerText()).toBe('Kernel panic - not syncing: VFS');
    expect(problems).toEqual([]);
  });
});
