import { describe, expect, it } from 'vitest';
import { axisUnit, escapeHtml, niceTicks, tickLabel } from '../../../harness/history/render-svg.js';

const MIB = 1024 * 1024;

describe('niceTicks', () => {
  it('steps by 1, 2, 2.5 or 5 × 10^k from 0 to at least the maximum', () => {
    const ms = axisUnit('ms', 2400);
    expect(niceTicks(2400, ms)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(niceTicks(9000, ms)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(niceTicks(44, ms)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(1, ms)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('counts in the axis unit: MiB for an image, seconds for long boots', () => {
    const bytes = axisUnit('bytes', 29.15 * MIB);
    expect(niceTicks(29.15 * MIB, bytes).map((t) => tickLabel(t, bytes))).toEqual(['0 MiB', '10 MiB', '20 MiB', '30 MiB']);
    const s = axisUnit('ms', 42_000);
    expect(niceTicks(42_000, s).map((t) => tickLabel(t, s))).toEqual(['0 s', '10 s', '20 s', '30 s', '40 s', '50 s']);
    expect(axisUnit('bytes', 900)).toEqual({ divisor: 1, suffix: 'B' });
  });

  it('still draws an axis when everything is 0', () => {
    expect(niceTicks(0, axisUnit('ms', 0))).toEqual([0, 1]);
  });
});

describe('escapeHtml', () => {
  it('escapes text and double- or single-quoted attribute values', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });
});
