import { UsageError } from '../model/errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/** Node fires a timer set for longer at once (with a warning), so such a case would time out immediately. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const TOO_LONG = `longer than a timer can wait (${MAX_TIMER_MS} ms, about 24 days)`;

// Units must come largest first and at most once, so `30s1m` or `1m1m` are typos rather than sums.
const COMPOUND = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Milliseconds in a duration written `500ms`, `60s`, `2m`, `1h`, `1m30s`, or a bare number of seconds
 * (YAML gives `timeout: 30` as a number, `timeout: "30"` as a string; both mean 30 s), at most
 * MAX_TIMER_MS.
 */
export function parseDuration(value: string | number, where: string): number {
  // YAML reads 400 digits as Infinity and 1e300 as itself; String() would make either unreadable.
  const ms = typeof value === 'number' && value > MAX_TIMER_MS ? value : toMs(value);
  if (ms === undefined) throw new UsageError(where, `invalid duration "${String(value)}": use e.g. 30s, 2m, 500ms`);
  if (ms > MAX_TIMER_MS) throw new UsageError(where, `invalid duration "${String(value)}": ${TOO_LONG}`);
  return ms;
}

function toMs(value: string | number): number | undefined {
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (BARE_SECONDS.test(text)) return Math.round(Number(text) * UNIT_MS.s);

  const match = COMPOUND.exec(text);
  // The regex also matches the empty string, where every group is absent.
  if (!match || text === '') return undefined;
  const [, h, m, s, ms] = match;
  return Math.round(Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0));
}
