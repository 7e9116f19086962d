import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatInitrd, CpioBuilder, gzipInitrd } from '../../harness/image/cpio.js';
import { fixturePrefix } from '../../fixtures/paths.js';
import { harness } from './harness-cli.js';

/**
 * The bundled x86_64 image with 16 MiB of random data added to its base container. As base64 text the
 * data still compresses (to about 12 MiB), so the kernel really inflates it at boot, as it would a
 * grown binary; incompressible bytes are stored blocks that unpack at memcpy speed. 8 MiB was too
 * little: on a loaded CI runner the two samples of eight unpack times overlapped (p = 0.01).
 */
async function heavierImage(dir: string): Promise<string> {
  const base = fixturePrefix('x86_64', 'harness');
  const prefix = join(dir, 'heavy');
  copyFileSync(`${base}-kernel`, `${prefix}-kernel`);
  copyFileSync(`${base}-cmdline`, `${prefix}-cmdline`);
  const blob = new CpioBuilder().file('containers/base/rootfs/blob.txt', randomBytes(12 * 2 ** 20).toString('base64')).toBuffer();
  writeFileSync(`${prefix}-initrd.img`, concatInitrd([readFileSync(`${base}-initrd.img`), await gzipInitrd(blob)]));
  return prefix;
}

/** Eight boots of one quick case (enough for the rank test to see through TCG's noise); --slots 1 so the boots do not compete for the two cores. */
const sample = (history: string, out: string, image?: string) =>
  harness(['run', '--platform', 'x86_64', '--grep', '^uname-arch$', '--repeat', '8', '--slots', '1', '--history', history, '--out', out, ...(image ? ['--image', image] : [])]);

describe('boot-time and size regressions across runs (real QEMU)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-regress-'));
  const report = (history: string, out: string) => harness(['report', '--history', history, '--out', out, '--fail-on-regression']);
  let heavy: string;

  beforeAll(async () => {
    heavy = await heavierImage(dir);
  });

  it('calls a heavier initrd a regression, naming the grown component and the slower boot phase', async () => {
    const history = join(dir, 'grown.sqlite');
    for (const run of [await sample(history, join(dir, 'a')), await sample(history, join(dir, 'b'), heavy)]) {
      expect(run.exitCode, run.all).toBe(0);
    }
    const result = await report(history, join(dir, 'report-grown'));
    expect(result.exitCode, result.all).toBe(1);
    const markdown = readFileSync(join(dir, 'report-grown', 'report.md'), 'utf8');
    const html = readFileSync(join(dir, 'report-grown', 'report.html'), 'utf8');
    for (const text of [markdown, html]) {
      expect(text).toMatch(/containers\/base/);
      expect(text).toMatch(/\+16\.0\d MiB/);
      // Unpacking runs beside other kernel work, so the guest's clock shows it most clearly (measured
      // here: about 200 ms → 480 ms, the two samples apart, while kernel → init moved less).
      expect(text).toMatch(/initramfs unpack \(guest clock\)(<\/strong>)?: \d+ ms → \d+ ms \(\+\d+(\.\d)? ms/);
    }
    const json = JSON.parse(readFileSync(join(dir, 'report-grown', 'report.json'), 'utf8')) as {
      platforms: { metrics: { metric: string; verdict: string }[] }[];
    };
    const regressed = json.platforms[0]!.metrics.filter((m) => m.verdict === 'regression').map((m) => m.metric);
    expect(regressed).toContain('size:containers/base');
    expect(regressed).toContain('guest:initramfs');
  });

  it('exits 0 for the same two runs without the change', async () => {
    const history = join(dir, 'same.sqlite');
    for (const run of [await sample(history, join(dir, 'c')), await sample(history, join(dir, 'd'))]) {
      expect(run.exitCode, run.all).toBe(0);
    }
    const result = await report(history, join(dir, 'report-same'));
    expect(result.exitCode, result.all).toBe(0);
  });

  it('moves history between runners as JSON', async () => {
    const exported = join(dir, 'history.json');
    expect((await harness(['history', 'export', '--history', join(dir, 'same.sqlite'), '--out', exported])).exitCode).toBe(0);
    const copy = join(dir, 'copy.sqlite');
    const imported = await harness(['history', 'import', exported, '--history', copy]);
    expect(imported.exitCode, imported.all).toBe(0);
    expect(imported.stdout).toContain('2 runs added');
    const again = await harness(['history', 'import', exported, '--history', copy]);
    expect(again.stdout).toContain('0 runs added, 2 replaced');
  });
});
