import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSOLE_BUDGET, excerptRanges, readConsoleExcerpt } from '../../../harness/report/console-excerpt.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const total = (ranges: { start: number; end: number }[]) => ranges.reduce((n, r) => n + r.end - r.start, 0);

describe('excerptRanges', () => {
  it('keeps a log within the budget whole', () => {
    expect(excerptRanges(100, [{ start: 10, end: 20 }], 256)).toEqual([{ start: 0, end: 100 }]);
    expect(excerptRanges(0, [], 256)).toEqual([]);
  });

  it("widens the cases' span evenly to the budget, staying inside the log", () => {
    expect(excerptRanges(1000, [{ start: 400, end: 450 }, { start: 500, end: 600 }], 300)).toEqual([{ start: 350, end: 650 }]);
    expect(excerptRanges(1000, [{ start: 950, end: 990 }], 300)).toEqual([{ start: 700, end: 1000 }]);
    expect(excerptRanges(1000, [{ start: 5, end: 10 }], 300)).toEqual([{ start: 0, end: 300 }]);
  });

  it('gives each case an equal share, head and tail, when their span is too long', () => {
    const ranges = excerptRanges(10_000, [{ start: 0, end: 4000 }, { start: 6000, end: 6100 }], 1000);
    expect(ranges).toEqual([{ start: 0, end: 125 }, { start: 3625, end: 4000 }, { start: 6000, end: 6100 }]);
    expect(total(ranges)).toBeLessThanOrEqual(1000);
  });

  it("keeps head and tail of a boot without case offsets, and ignores offsets past the log's end", () => {
    expect(excerptRanges(10_000, [], 1000)).toEqual([{ start: 0, end: 250 }, { start: 9250, end: 10_000 }]);
    expect(excerptRanges(10_000, [{ start: 20_000, end: 30_000 }], 1000)).toEqual([{ start: 0, end: 250 }, { start: 9250, end: 10_000 }]);
  });
});

describe('readConsoleExcerpt', () => {
  it("cuts pieces at the cases' offsets, keeps UTF-8 whole, and redacts each piece", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'console-'));
    const log = 'boot ü\ncase A secret\ncase B ✗\nend\n';
    const at = (s: string) => Buffer.byteLength(log.slice(0, log.indexOf(s)));
    await writeFile(join(dir, 'c.log'), log);
    const cases = [
      { index: 3, range: { start: at('case A'), end: at('case B') } },
      // One byte into "✗": the cut moves to the next character.
      { index: 5, range: { start: at('case B'), end: at('✗') + 1 } },
    ];
    const excerpt = await readConsoleExcerpt(join(dir, 'c.log'), cases, (t) => t.replaceAll('secret', '[redacted]'));
    expect(excerpt).toEqual({
      size: Buffer.byteLength(log),
      skippedAfter: 0,
      pieces: [
        { text: 'boot ü\n', skippedBefore: 0, cases: [] },
        { text: 'case A [redacted]\n', skippedBefore: 0, cases: [3] },
        { text: 'case B ✗', skippedBefore: 0, cases: [5] },
        { text: '\nend\n', skippedBefore: 0, cases: [] },
      ],
    });
  });

  it('embeds at most the budget of a large log and says what it left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'console-'));
    const line = 'x'.repeat(99) + '\n';
    const log = line.repeat((3 * MIB) / 100);
    await writeFile(join(dir, 'big.log'), log);
    const excerpt = await readConsoleExcerpt(join(dir, 'big.log'), [{ index: 0, range: { start: MIB, end: MIB + 1000 } }], (t) => t);
    const embedded = excerpt.pieces.reduce((n, p) => n + Buffer.byteLength(p.text), 0);
    expect(embedded).toBe(CONSOLE_BUDGET);
    expect(excerpt.pieces.map((p) => p.cases)).toEqual([[], [0], []]);
    expect(excerpt.pieces[0]!.skippedBefore + embedded + excerpt.skippedAfter).toBe(log.length);
    expect(excerpt.pieces[1]!.text).toBe(log.slice(MIB, MIB + 1000));
  });
});
