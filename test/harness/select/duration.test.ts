import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, parseDuration } from '../../../harness/select/duration.js';
import { UsageError } from '../../../harness/model/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    [' 30s ', 30_000],
    ['45', 45_000],
    [30, 30_000],
    [0.25, 250],
  ] as const)('reads %j as %i ms', (value, ms) => {
    expect(parseDuration(value, 'timeout')).toBe(ms);
  });

  it.each(['', 'soon', '30 s', '30sec', '-5s', '30s1m', '1m1m', '1d', 'ms', '1e3'])('rejects %j', (value) => {
    expect(() => parseDuration(value, 'case.yaml:4:10')).toThrow(
      new UsageError('case.yaml:4:10', `invalid duration "${value}": use e.g. 30s, 2m, 500ms`),
    );
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (value) => {
    expect(() => parseDuration(value, '--timeout')).toThrow(`--timeout: invalid duration "${value}"`);
  });

  it('reads the longest wait a timer can do', () => {
    expect(parseDuration('2147483647ms', 'timeout')).toBe(MAX_TIMER_MS);
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  // Node fires a longer timer at once, so these would time a case out immediately.
  it.each(['2147483648ms', '597h', '2147484', '1'.repeat(400), `${'9'.repeat(400)}ms`, 1e300, Number.MAX_VALUE])('rejects %j as too long', (value) => {
    expect(() => parseDuration(value, 'timeout')).toThrow(
      new UsageError('timeout', `invalid duration "${String(value)}": longer than a timer can wait (2147483647 ms, about 24 days)`),
    );
  });

  it('names where the bad value came from', () => {
    const error = (() => {
      try {
        parseDuration('abc', '--timeout');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ where: '--timeout', problem: 'invalid duration "abc": use e.g. 30s, 2m, 500ms' });
  });
});
