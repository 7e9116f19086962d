import { sortedPlatforms } from './render-format.js';
import type { RegressionReport } from './types.js';

/** Object keys in code-point order at every depth; arrays keep their order, which is meaningful. */
function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/**
 * The report as pretty JSON that is byte-identical for the same content, whatever order the
 * comparator built its objects or platforms in, so stored reports diff cleanly.
 */
export function renderJson(report: RegressionReport): string {
  const stable: RegressionReport = { ...report, platforms: sortedPlatforms(report) };
  return `${JSON.stringify(stable, sortKeys, 2)}\n`;
}
