/** Median of a non-empty sample; the mean of the middle two for an even count. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty sample');
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Largest sample size for which the exact null distribution is computed (as scipy's default). */
const EXACT_MAX = 20;

/**
 * Two-sided Mann-Whitney U test. `u` counts the pairs (x from a, y from b) with x > y, ties counting
 * one half, so u(a, b) + u(b, a) = |a|·|b|. Boot phases are skewed and have outliers, which is why a
 * rank test rather than a t-test decides whether a phase moved.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; p: number } {
  if (a.length === 0 || b.length === 0) throw new RangeError('mannWhitneyU needs two non-empty samples');
  const { rankSumA, tieTerm } = rankPooled(a, b);
  const n = a.length;
  const m = b.length;
  const u = rankSumA - (n * (n + 1)) / 2;
  const p = n <= EXACT_MAX && m <= EXACT_MAX && tieTerm === 0 ? exactP(u, n, m) : normalP(u, n, m, tieTerm);
  return { u, p };
}

/** Sum of a's mid-ranks in the pooled sample, and Σ(t³ − t) over groups of tied values. */
function rankPooled(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const pooled = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))];
  pooled.sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start + 1;
    while (end < pooled.length && pooled[end]!.value === pooled[start]!.value) end++;
    const t = end - start;
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]!.fromA) rankSumA += midRank;
    tieTerm += t * t * t - t;
    start = end;
  }
  return { rankSumA, tieTerm };
}

/**
 * Exact p from the permutation distribution of U. counts(i, j)[k] is the number of orderings of i
 * a-values and j b-values with U = k: the largest value is either an a above all j b-values (adds j)
 * or a b (adds nothing). Counts reach C(40, 20) ≈ 1.4e11, exact in a double.
 */
function exactP(u: number, n: number, m: number): number {
  let previous: number[][] = Array.from({ length: m + 1 }, () => [1]);
  for (let i = 1; i <= n; i++) {
    const row: number[][] = [[1]];
    for (let j = 1; j <= m; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      previous[j]!.forEach((count, k) => (counts[k + j]! += count));
      row[j - 1]!.forEach((count, k) => (counts[k]! += count));
      row.push(counts);
    }
    previous = row;
  }
  const counts = previous[m]!;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const atMost = counts.slice(0, u + 1).reduce((sum, count) => sum + count, 0);
  const atLeast = counts.slice(u).reduce((sum, count) => sum + count, 0);
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / total);
}

/** Normal approximation with the tie-corrected variance and a continuity correction of ½. */
function normalP(u: number, n: number, m: number, tieTerm: number): number {
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  // Every value tied makes the variance 0 with U at its mean: z is −∞ and p comes out 1, as it should.
  const z = (Math.abs(u - (n * m) / 2) - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalUpperTail(z));
}

/** P(Z > z) for a standard normal Z. */
function normalUpperTail(z: number): number {
  return erfc(z / Math.SQRT2) / 2;
}

/** Complementary error function, Chebyshev fit with fractional error below 1.2e-7 (Numerical Recipes). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + z / 2);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
      t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** The Hodges-Lehmann shift of `a` over `b`: the median of every pairwise difference a_i − b_j. */
export function hodgesLehmann(a: readonly number[], b: readonly number[]): number {
  return median(a.flatMap((x) => b.map((y) => x - y)));
}
