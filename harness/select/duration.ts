import { UsageError } from '../model/errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

// Units must come largest first and at most once, so `30s1m` or `1m1m` are typos rather than sums.
const COMPOUND = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Milliseconds in a duration written `500ms`, `60s`, `2m`, `1h`, `1m30s`, or a bare number of seconds
 * (YAML gives `timeout: 30` as a number, `timeout: "30"` as a string; both mean 30 s).
 */
export function parseDuration(value: string | number, where: string): number {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (BARE_SECONDS.test(text)) return Math.round(Number(text) * UNIT_MS.s);

  const match = COMPOUND.exec(text);
  // The regex also matches the empty string, where every group is absent.
  if (match && text !== '') {
    const [, h, m, s, ms] = match;
    return Math.round(
      Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0),
    );
  }
  throw new UsageError(where, `invalid duration "${String(value)}": use e.g. 30s, 2m, 500ms`);
}
