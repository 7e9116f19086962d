import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { failedAsserts } from '../collect/tap.js';
import type { CaseResult } from '../model/types.js';

export interface AnnotationLocation {
  /** Relative to the workspace, with forward slashes; absent when the case lies outside it. */
  file?: string;
  line?: number;
}

/** Where a case's files appear in its container. */
const GUEST_CASE_DIR = '/case/';
const MAX_LINE = 10_000_000;

const inside = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

const record = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function lineNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_LINE ? n : undefined;
}

/** node-tap writes `at: {file, line}` (newer: fileName, lineNumber); shell TAP libraries write `file:` and `line:`. */
function diagLocation(diag: Record<string, unknown>): { file: string; line: number } | undefined {
  const at = record(diag['at']);
  const candidates = [
    [at?.['file'], at?.['line']],
    [at?.['fileName'], at?.['lineNumber']],
    [diag['file'], diag['line']],
  ];
  for (const [file, line] of candidates) {
    const n = lineNumber(line);
    if (typeof file === 'string' && file && n !== undefined) return { file, line: n };
  }
  return undefined;
}

/**
 * The host path of a file the test named: /case/… and relative names are in the case's files/
 * folder, except /case/lib, which is the suite's shared lib/. Anything else, or anything that
 * leaves the case's folder, is not trusted.
 */
function hostPath(caseDir: string, guestFile: string): string | undefined {
  if (guestFile.includes('\0')) return undefined;
  const files = resolve(caseDir, 'files');
  const local = guestFile.startsWith(GUEST_CASE_DIR) ? guestFile.slice(GUEST_CASE_DIR.length) : guestFile;
  if (isAbsolute(local)) return undefined;
  const path = resolve(files, local);
  return inside(caseDir, path) && !inside(join(files, 'lib'), path) ? path : undefined;
}

/** The test script's line a failed assert names, else the case's case.yaml. */
export function annotationLocation(result: CaseResult, workspace: string | undefined): AnnotationLocation {
  if (!result.file || workspace === undefined) return {};
  const caseDir = dirname(result.file);
  const located = result.containers
    .flatMap((c) => failedAsserts(c.tap))
    .map(({ assert }) => (assert.diag ? diagLocation(assert.diag) : undefined))
    .map((at) => at && { path: hostPath(caseDir, at.file), line: at.line })
    .find((at) => at?.path !== undefined);
  const path = located?.path ?? result.file;
  if (!inside(resolve(workspace), resolve(path))) return {};
  const file = relative(resolve(workspace), resolve(path)).split(sep).join(posix.sep);
  return located ? { file, line: located.line } : { file };
}
