/** What every figure of `npm run bench` shares: medians, side-by-side runs, and the printed table. */

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Figure {
  id: string;
  what: string;
  /** The measured ratio (or value). */
  value: number;
  goal: { op: '<=' | '>='; value: number };
  /** What it is a ratio of, in numbers: "harness 8.1 s / bare 4.4 s (medians of 5)". */
  detail: string;
  /** Why there is no measurement (a figure that could not run here). */
  missing?: string;
}

export const met = (f: Figure): boolean => !f.missing && (f.goal.op === '<=' ? f.value <= f.goal.value : f.value >= f.goal.value);

/**
 * Runs `a` and `b` alternately `times` times, so a noisy neighbour hurts both sides alike, and
 * returns each side's samples.
 */
export async function sideBySide<A, B>(times: number, a: () => Promise<A>, b: () => Promise<B>): Promise<{ a: A[]; b: B[] }> {
  const out = { a: [] as A[], b: [] as B[] };
  for (let i = 0; i < times; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}

export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.id,
    f.what,
    f.missing ? 'n/a' : f.value.toFixed(f.value >= 10 ? 1 : 2),
    `${f.goal.op} ${f.goal.value}`,
    f.missing ? 'not run' : met(f) ? 'met' : 'MISSED',
    f.missing ?? f.detail,
  ]);
  const head = ['figure', 'what', 'measured', 'goal', '', 'side by side'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
