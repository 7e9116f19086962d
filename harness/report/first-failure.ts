import { stringify } from 'yaml';
import { failedAsserts } from '../collect/tap.js';
import type { CaseResult } from '../model/types.js';

export interface FirstFailure {
  /** Container, then the assert's path through its subtests. */
  path: string;
  /** The assert's YAML diagnostic as YAML text, when it had one. */
  diagnostic?: string;
}

/** The first failed assert of a case: what a one-place summary (an annotation, a job summary) shows. */
export function firstFailure(result: CaseResult): FirstFailure | undefined {
  for (const c of result.containers) {
    const [first] = failedAsserts(c.tap);
    if (!first) continue;
    const path = result.containers.length > 1 ? `${c.name}: ${first.path}` : first.path;
    return first.assert.diag ? { path, diagnostic: stringify(first.assert.diag).trimEnd() } : { path };
  }
  return undefined;
}

/** At most `max` lines, saying how many more there were. */
export function firstLines(text: string, max: number): string {
  const lines = text.split('\n');
  return lines.length <= max ? text : [...lines.slice(0, max), `… ${lines.length - max} more lines`].join('\n');
}
