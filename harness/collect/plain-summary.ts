import type { ResultKind, TapSummary } from '../model/types.js';

/** rtf's RT_TEST_CANCEL: a test that exits with it was cancelled, which the harness reports as a skip. */
export const RTF_CANCEL = 253;

/** The line a LinuxKit test prints at the end, e.g. `binfmt test suite PASSED`. */
export interface SuiteLine {
  passed: boolean;
  /** The line itself, trimmed and capped, for reasons. */
  line: string;
}

const MARKERS = { passed: 'suite PASSED', failed: 'suite FAILED' } as const;
const QUOTED_MAX = 120;

/**
 * LinuxKit's verdict in a container's output or an image's console: a FAILED line anywhere wins, then
 * a PASSED line (LinuxKit's own test.sh greps for `suite PASSED`). Kernel messages may share the
 * console, so the markers are looked for inside lines rather than at their start.
 */
export function findSuiteLine(text: string): SuiteLine | undefined {
  // includes() is linear in a line, so a hostile stream's long lines cost nothing more.
  const lines = text.split('\n');
  const failed = lines.find((l) => l.includes(MARKERS.failed));
  const found = failed ?? lines.find((l) => l.includes(MARKERS.passed));
  if (found === undefined) return undefined;
  return { passed: failed === undefined, line: found.trim().slice(0, QUOTED_MAX) };
}

export const NO_SUITE_LINE = 'no "<name> test suite PASSED" or "FAILED" line';

/** A summary that carries a verdict read without TAP; it has no asserts, so reporters show none. */
const verdictSummary = (ok: boolean, problems: string[]): TapSummary => ({
  format: 'none',
  asserts: [],
  ok,
  problems,
  counts: { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 },
});

/** The summary of output judged as `exit-code` or `linuxkit`; its `ok` is the stream's part of the verdict. */
export function plainSummary(kind: Exclude<ResultKind, 'tap'>, text: string, exitCode: number | null): TapSummary {
  if (kind === 'exit-code') return verdictSummary(exitCode === 0, []);
  return suiteSummary(findSuiteLine(text));
}

export function suiteSummary(suite: SuiteLine | undefined): TapSummary {
  if (suite === undefined) return verdictSummary(false, [NO_SUITE_LINE]);
  return verdictSummary(suite.passed, suite.passed ? [] : [`printed ${JSON.stringify(suite.line)}`]);
}
