import { describe, expect, it } from 'vitest';
import { mannWhitneyU, median } from '../../../harness/history/stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('sorts numerically, not as text', () => {
    expect(median([10, 9, 2])).toBe(9);
  });

  it('refuses an empty sample', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('mannWhitneyU, exact', () => {
  // Hand-worked values; scipy.stats.mannwhitneyu gives the same (method="exact", two-sided).
  it('fully separated samples of 3: U = 0, p = 2 · 1/C(6,3) = 0.1', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6])).toEqual({ u: 0, p: 0.1 });
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3])).toEqual({ u: 9, p: 0.1 });
  });

  it('one inversion of 3 against 3: U = 1, P(U ≤ 1) = 2/20, p = 0.2', () => {
    expect(mannWhitneyU([1, 2, 4], [3, 5, 6])).toEqual({ u: 1, p: 0.2 });
  });

  it('fully separated samples of 5: p = 2/C(10,5) = 2/252', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 12);
  });

  it('unequal sizes: 2 against 4, U = 0, p = 2/C(6,2) = 2/15', () => {
    expect(mannWhitneyU([1, 2], [3, 4, 5, 6]).p).toBeCloseTo(2 / 15, 12);
  });

  it('caps p at 1 when U sits at the centre', () => {
    expect(mannWhitneyU([1, 4], [2, 3]).p).toBe(1);
    expect(mannWhitneyU([1], [2]).p).toBe(1);
  });

  it('4 against 4 follows the q-binomial counts 1 1 2 3 5 5 7 7 8 … of C(8,4) = 70', () => {
    expect(mannWhitneyU([1, 2, 4, 5], [3, 6, 7, 8])).toEqual({ u: 2, p: 8 / 70 });
    expect(mannWhitneyU([1, 2, 5, 6], [3, 4, 7, 8])).toEqual({ u: 4, p: 24 / 70 });
  });

  it('stays exact at the size limit of 20 against 20', () => {
    const a = Array.from({ length: 20 }, (_, i) => 2 * i);
    const b = Array.from({ length: 20 }, (_, i) => 2 * i + 9);
    // 2·P(U ≤ 120) from the coefficients of the Gaussian binomial [40 choose 20]_q, computed with
    // Python integers (a different method from the code's recurrence); the normal approximation would give 0.0315.
    expect(mannWhitneyU(a, b)).toEqual({ u: 120, p: expect.closeTo(0.030411256038764864, 14) });
  });
});

describe('mannWhitneyU, normal approximation', () => {
  it('is used above 20 per sample: 21 against 21 fully separated', () => {
    const a = Array.from({ length: 21 }, (_, i) => i + 1);
    const b = Array.from({ length: 21 }, (_, i) => i + 22);
    const { u, p } = mannWhitneyU(a, b);
    expect(u).toBe(0);
    // z = (220.5 − 0.5) / √(21·21·43/12) = 5.5343; the exact p would be 3.7e-12.
    expect(p / 3.1254e-8).toBeCloseTo(1, 4);
  });

  it('is used with ties, with tie-corrected variance and continuity correction', () => {
    // Mid-ranks of a: 1, 3, 3, 5.5 → U = 2.5; ties of 3 and 2 → Σ(t³−t) = 30;
    // σ² = 16/12 · (9 − 30/56); z = (5.5 − 0.5)/σ = 1.4884 → p = 0.136658.
    const { u, p } = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5]);
    expect(u).toBe(2.5);
    expect(p).toBeCloseTo(0.136658, 5);
  });

  it('gives p = 1 for identical samples', () => {
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3]).p).toBe(1);
    expect(mannWhitneyU([7, 7, 7], [7, 7]).p).toBe(1);
  });
});

describe('mannWhitneyU properties', () => {
  const pairs: Array<[number[], number[]]> = [
    [[1, 2, 3], [4, 5, 6]],
    [[3.5, 1, 8, 2], [2.5, 9, 7]],
    [[1, 2, 2, 3], [2, 3, 4, 5]],
    [Array.from({ length: 30 }, (_, i) => (i * 37) % 101), Array.from({ length: 25 }, (_, i) => (i * 53) % 97)],
    [[5, 5, 5, 6], [5, 6, 6, 6, 7]],
  ];

  it.each(pairs)('is symmetric, U(a,b) + U(b,a) = n·m and p lies in (0, 1] (case %#)', (a, b) => {
    const ab = mannWhitneyU(a, b);
    const ba = mannWhitneyU(b, a);
    expect(ab.p).toBe(ba.p);
    expect(ab.u + ba.u).toBe(a.length * b.length);
    expect(ab.p).toBeGreaterThan(0);
    expect(ab.p).toBeLessThanOrEqual(1);
  });

  it('refuses an empty sample', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});
