import { open } from 'node:fs/promises';

export interface ByteRange {
  start: number;
  end: number;
}

/** Per boot: a failing case's console is the point of the page, but a day-long log must not make it unloadable. */
export const CONSOLE_BUDGET = 256 * 1024;

/** Of a long range, the head shows how it began and the larger tail how it ended. */
function headTail(r: ByteRange, budget: number): ByteRange[] {
  if (r.end - r.start <= budget) return [r];
  const head = Math.floor(budget / 4);
  return [{ start: r.start, end: r.start + head }, { start: r.end - (budget - head), end: r.end }];
}

function merged(ranges: ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * Which bytes of a console log of `size` bytes to embed, at most `budget` of them: all of a small
 * log; else the span the cases ran in, widened evenly on both sides; else, when the cases' span
 * alone is too long, an equal share per case (head and tail of a longer one). A boot with no case
 * offsets keeps the log's head and tail, where a boot failure shows.
 */
export function excerptRanges(size: number, cases: readonly ByteRange[], budget = CONSOLE_BUDGET): ByteRange[] {
  if (size <= budget) return size ? [{ start: 0, end: size }] : [];
  const clipped = cases
    .map((r) => ({ start: Math.max(0, Math.min(r.start, size)), end: Math.max(0, Math.min(r.end, size)) }))
    .filter((r) => r.end > r.start);
  if (!clipped.length) return headTail({ start: 0, end: size }, budget);
  const span = { start: Math.min(...clipped.map((r) => r.start)), end: Math.max(...clipped.map((r) => r.end)) };
  const spare = budget - (span.end - span.start);
  if (spare >= 0) {
    const start = Math.max(0, Math.min(span.start - Math.floor(spare / 2), size - budget));
    return [{ start, end: start + budget }];
  }
  const share = Math.floor(budget / clipped.length);
  return merged(clipped.flatMap((r) => headTail(r, share)));
}

/** A run of console text that the same cases ran during; `cases` index the report's cases. */
export interface ConsolePiece {
  text: string;
  /** Bytes of the log left out just before this piece. */
  skippedBefore: number;
  cases: number[];
}

export interface ConsoleExcerpt {
  size: number;
  pieces: ConsolePiece[];
  skippedAfter: number;
}

/** A split point moved off UTF-8 continuation bytes, so no character is cut in two. */
function charStart(bytes: Buffer, at: number): number {
  let i = at;
  while (i < bytes.length && (bytes[i]! & 0xc0) === 0x80) i++;
  return i;
}

/**
 * Reads the embedded ranges of a console log and cuts them where a case's range starts or ends.
 * `redact` sees each piece whole, which is why pieces are cut before redacting, not after.
 */
export async function readConsoleExcerpt(
  path: string,
  cases: readonly { index: number; range: ByteRange }[],
  redact: (text: string) => string,
  budget = CONSOLE_BUDGET,
): Promise<ConsoleExcerpt> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const pieces: ConsolePiece[] = [];
    let at = 0;
    for (const range of excerptRanges(size, cases.map((c) => c.range), budget)) {
      const bytes = Buffer.alloc(range.end - range.start);
      await file.read(bytes, 0, bytes.length, range.start);
      const cuts = cases.flatMap((c) => [c.range.start, c.range.end]).filter((b) => b > range.start && b < range.end);
      const points = [...new Set([0, ...cuts.map((b) => charStart(bytes, b - range.start)), bytes.length])].sort((a, b) => a - b);
      for (let i = 0; i + 1 < points.length; i++) {
        const [from, to] = [points[i]!, points[i + 1]!];
        const mid = range.start + from;
        const during = cases.filter((c) => c.range.start <= mid && mid < c.range.end).map((c) => c.index);
        pieces.push({ text: redact(bytes.toString('utf8', from, to)), skippedBefore: range.start + from - at, cases: during });
        at = range.start + to;
      }
    }
    return { size, pieces, skippedAfter: size - at };
  } finally {
    await file.close();
  }
}
