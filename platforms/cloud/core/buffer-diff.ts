/**
 * Consoles polled as a whole (EC2's GetConsoleOutput returns its buffer, or its latest 64 KiB, every
 * time) become a stream of new bytes: each snapshot is matched against the end of the one before.
 */

/** Overlaps shorter than this are taken for chance (two lines ending alike), not the same output. */
const MIN_OVERLAP = 64;

/** Length of the longest suffix of `before` that is a prefix of `after` (KMP: linear in both). */
export function overlap(before: Buffer, after: Buffer): number {
  const m = Math.min(after.length, before.length);
  if (m === 0) return 0;
  const failure = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && after[i] !== after[k]) k = failure[k - 1]!;
    if (after[i] === after[k]) k++;
    failure[i] = k;
  }
  let k = 0;
  for (let i = before.length - m; i < before.length; i++) {
    while (k > 0 && (k === m || before[i] !== after[k])) k = failure[k - 1]!;
    if (before[i] === after[k]) k++;
  }
  return k;
}

export interface Fresh {
  bytes: Buffer;
  /** The new snapshot shares nothing with the last: output was lost between two polls. */
  gap: boolean;
}

/** Keeps the last snapshot (at most `maxBytes`) and returns what each new one adds. */
export class SnapshotDiff {
  private last = Buffer.alloc(0);

  constructor(private readonly maxBytes = 1 << 20) {}

  next(snapshot: Buffer): Fresh {
    const current = snapshot.length > this.maxBytes ? snapshot.subarray(snapshot.length - this.maxBytes) : snapshot;
    const before = this.last;
    this.last = Buffer.from(current);
    if (before.length === 0) return { bytes: this.last, gap: false };
    const shared = overlap(before, current);
    // Either the new snapshot extends the old one, or a long enough stretch of it is the old one's end.
    if (shared === before.length || shared >= MIN_OVERLAP) return { bytes: this.last.subarray(shared), gap: false };
    return { bytes: this.last, gap: current.length > 0 };
  }
}
