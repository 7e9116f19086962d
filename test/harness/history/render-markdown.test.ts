import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../harness/history/render-markdown.js';
import type { MetricComparison, PlatformComparison, RegressionReport } from '../../../harness/history/types.js';
import { MIB, report, withNastyRevision } from './render-fixture.js';

const x86 = report.platforms.find((p) => p.platform === 'qemu-x86_64')!;
const arm = report.platforms.find((p) => p.platform === 'qemu-arm64')!;

function withMetric(
  platform: PlatformComparison,
  metric: string,
  change: Partial<MetricComparison>,
  base: RegressionReport = report,
): RegressionReport {
  const changed = { ...platform, metrics: platform.metrics.map((m) => (m.metric === metric ? { ...m, ...change } : m)) };
  return { ...base, platforms: base.platforms.map((p) => (p === platform ? changed : p)) };
}

function quiet(improvements: number): RegressionReport {
  const verdict = (m: MetricComparison) => (m.verdict === 'regression' ? 'unchanged' : m.verdict);
  const platforms = report.platforms.map((p) => ({
    ...p,
    metrics: p.metrics.map((m) => ({ ...m, verdict: improvements ? verdict(m) : 'unchanged' as const })),
  }));
  return { ...report, platforms, regressions: 0, improvements };
}

/** The table rows (not header or rule) between two markers of the document. */
function rows(markdown: string, from: string, to: string): string[] {
  const section = markdown.slice(markdown.indexOf(from), markdown.indexOf(to, markdown.indexOf(from)));
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Metric') && !l.startsWith('| ---'));
}

describe('renderMarkdown', () => {
  it('leads with the headline and one sentence per change, regressions first', () => {
    const md = renderMarkdown(report);
    const lines = md.split('\n');
    expect(lines.slice(0, 3)).toEqual(['## Boot regression report', '', '**5 regressions, 1 improvement**']);
    const changes = lines.filter((l) => l.startsWith('- '));
    expect(changes.map((l) => l.split(':')[0])).toEqual([
      '- Regression on qemu-x86_64',
      '- Regression on qemu-x86_64',
      '- Regression on qemu-x86_64',
      '- Regression on qemu-x86_64',
      '- Regression on qemu-x86_64',
      '- Improvement on qemu-arm64',
    ]);
  });

  it('names the slower phase with its interval and numbers', () => {
    expect(renderMarkdown(report)).toContain(
      '- Regression on qemu-x86_64: phase init (kernel → init): 1902 ms → 2210 ms (+308 ms, +16.2 %, p = 0.0002)',
    );
  });

  it('starts an interval at the phase the platform really has: arm64 boots without firmware', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('phase kernel (firstByte → kernel): 1400 ms → 1210 ms (-190 ms, -13.6 %, p = 0.0004)');
    expect(md).toContain('| phase kernel (firmware → kernel) | 1180 ms |');
  });

  it('names a new component with exact bytes and no made-up percentage', () => {
    expect(renderMarkdown(report)).toContain(
      '- Regression on qemu-x86_64: component extra: 0 B → 8.00 MiB (+8.00 MiB, new, +8,388,608 bytes)',
    );
  });

  it('names a grown component with its percentage', () => {
    const grown = withMetric(x86, 'size:extra', {
      baseline: { n: 5, median: 4 * MIB, values: [] },
      current: { n: 1, median: 12 * MIB, values: [] },
      delta: 8 * MIB,
      deltaFraction: 2,
    });
    expect(renderMarkdown(grown)).toContain('component extra: 4.00 MiB → 12.00 MiB (+8.00 MiB, +200.0 %, +8,388,608 bytes)');
  });

  it('tables the changed metrics first, all metrics collapsed below', () => {
    const md = renderMarkdown(report);
    const changed = rows(md, '### qemu-x86_64', '<details>');
    expect(changed).toEqual([
      '| phase init (kernel → init) | 1902 ms | 2210 ms | +308 ms | +16.2 % | 0.0002 | **regression** |',
      '| size image total | 19.54 MiB | 22.58 MiB | +3.04 MiB (+3,187,963 bytes) | +15.6 % | – | **regression** |',
      '| size initrd (compressed) | 8.04 MiB | 11.08 MiB | +3.04 MiB (+3,187,963 bytes) | +37.8 % | – | **regression** |',
      '| size initrd (uncompressed) | 21.15 MiB | 29.15 MiB | +8.00 MiB (+8,389,376 bytes) | +37.8 % | – | **regression** |',
      '| component extra | 0 B | 8.00 MiB | +8.00 MiB (+8,388,608 bytes) | new | – | **regression** |',
    ]);
    const all = rows(md, '<summary>All 19 metrics</summary>', '</details>');
    expect(all).toHaveLength(x86.metrics.length);
    // Unchanged sizes do not carry exact bytes: those are for what someone has to chase.
    expect(all).toContain('| component rest | 614.90 KiB | 615.65 KiB | +768 B | +0.1 % | – | unchanged |');
    expect(rows(md, '### qemu-arm64', '<details>')).toEqual([
      '| phase kernel (firstByte → kernel) | 1400 ms | 1210 ms | -190 ms | -13.6 % | 0.0004 | improvement |',
    ]);
  });

  it('puts the platform with most regressions first, then orders by name, whatever order the report has', () => {
    const md = renderMarkdown({ ...report, platforms: [arm, x86] });
    expect(md.indexOf('### qemu-x86_64')).toBeLessThan(md.indexOf('### qemu-arm64'));
    expect(md).toBe(renderMarkdown({ ...report, platforms: [x86, arm] }));
    const calm = quiet(0);
    const byName = renderMarkdown({ ...calm, platforms: [...calm.platforms].reverse() });
    expect(byName.indexOf('### qemu-arm64')).toBeLessThan(byName.indexOf('### qemu-x86_64'));
  });

  it('says "No regressions" when there are none, with any improvements', () => {
    expect(renderMarkdown(quiet(0))).toContain('\n**No regressions**\n');
    expect(renderMarkdown(quiet(0))).toContain('No metric moved beyond the thresholds.');
    expect(renderMarkdown(quiet(1))).toContain('\n**No regressions, 1 improvement**\n');
  });

  it('formats small ms with a decimal, tiny p-values as a bound and small sizes in bytes', () => {
    const md = renderMarkdown(
      withMetric(arm, 'phase:firstByte', { baseline: { n: 25, median: 12.5, values: [] }, delta: 0.25, pValue: 0.00001 }),
    );
    expect(md).toContain('| phase firstByte (spawn → firstByte) | 12.5 ms | 55 ms | +0.3 ms |');
    expect(md).toMatch(/\| phase firstByte[^\n]*\| < 0\.0001 \|/);
    expect(md).toContain('sizes by 1 % or 4.00 KiB');
  });

  it('escapes names so they cannot break a table or inject markup', () => {
    const nasty = withNastyRevision().report;
    const component = withMetric(nasty.platforms[0]!, 'size:extra', { component: 'a|b*c<d>_e_' }, nasty);
    const md = renderMarkdown(component);
    expect(md).toContain('\\<img onerror=x\\>');
    expect(md).not.toMatch(/(?<!\\)<img/);
    const row = md.split('\n').find((l) => l.startsWith('| component a'))!;
    expect(row).toContain('component a\\|b\\*c\\<d\\>\\_e\\_');
    // Eight cell borders: the pipe in the name is not one of them.
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(9);
    // An underscore inside a word is left alone: GitHub does not read it as emphasis.
    expect(md).toContain('### qemu-x86_64');
  });

  it('states the clock cross-check of a platform that has one, and nothing for one without', () => {
    const withClocks: RegressionReport = {
      ...report,
      platforms: report.platforms.map((p) => (p.platform === 'qemu-x86_64' ? { ...p, clocks: { hostMs: 1747.4, guestMs: 1889.2, boots: 5 } } : p)),
    };
    const md = renderMarkdown(withClocks);
    expect(md).toContain("Clock cross-check: kernel → init took 1747 ms on the host's clock and 1889 ms on the guest's printk clock (median of 5 boots; +142 ms).");
    expect(md.match(/Clock cross-check/g)).toHaveLength(1);
  });
});

