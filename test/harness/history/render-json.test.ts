import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../harness/history/render-json.js';
import type { RegressionReport } from '../../../harness/history/types.js';
import { report } from './render-fixture.js';

/** The same content built in another order: keys reversed at every depth, platforms swapped. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]));
}

describe('renderJson', () => {
  it('is the report itself, platforms by name, pretty and newline-terminated', () => {
    const json = renderJson({ ...report, platforms: [...report.platforms].reverse() });
    expect(json.endsWith('}\n')).toBe(true);
    expect(json).toContain('\n  "generatedAt": "2026-11-25T06:20:00.000Z",\n');
    const parsed = JSON.parse(json) as RegressionReport;
    expect(parsed.platforms.map((p) => p.platform)).toEqual(['qemu-arm64', 'qemu-x86_64']);
    expect(parsed).toEqual({ ...report, platforms: [...report.platforms].sort((a, b) => (a.platform < b.platform ? -1 : 1)) });
  });

  it('is byte-identical however the comparator ordered its objects', () => {
    const shuffled = reordered({ ...report, platforms: [...report.platforms].reverse() }) as RegressionReport;
    expect(Object.keys(shuffled)[0]).toBe('improvements');
    expect(renderJson(shuffled)).toBe(renderJson(report));
    // Arrays keep their order: metrics and sample values mean something in sequence.
    const metrics = (JSON.parse(renderJson(report)) as RegressionReport).platforms[1]!.metrics.map((m) => m.metric);
    expect(metrics).toEqual(report.platforms.find((p) => p.platform === 'qemu-x86_64')!.metrics.map((m) => m.metric));
  });
});
