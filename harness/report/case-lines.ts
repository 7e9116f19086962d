/** Lines of a case for a log people read: the terminal's, and a CI job's. */
import type { ChalkInstance } from 'chalk';
import { stringify } from 'yaml';
import { failedAsserts } from '../collect/tap.js';
import type { CaseResult } from '../model/types.js';
import { scrubLine } from './scrub-line.js';

const DIAG_LINES = 8;
const STDERR_LINES = 10;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}


function label(result: CaseResult, c: ChalkInstance): string {
  switch (result.outcome) {
    case 'pass':
      return c.green('PASS');
    case 'fail':
      return c.red('FAIL');
    case 'skip':
      return c.yellow('SKIP');
    case 'flaky':
      return c.yellow('FLAKY');
    case 'error':
      return c.magenta(`ERROR[${result.errorClass ?? 'harness'}]`);
  }
}

/** "FAIL qemu-arm64 hostname (1.2s): why", on one line whatever the case's texts hold. */
export function caseLine(result: CaseResult, c: ChalkInstance): string {
  const attempts = result.attempts > 1 ? `, ${result.attempts} attempts` : '';
  const time = c.dim(`(${formatDuration(result.durationMs)}${attempts})`);
  const reason = result.outcome !== 'pass' && result.reason ? `: ${scrubLine(result.reason)}` : '';
  const what = scrubLine(`${result.platform} ${result.caseId}`);
  // A case that ran with more than the default profile, or without it, says so wherever it is read.
  const marks = [result.privileged ? 'privileged' : '', result.isolation === 'reduced' ? 'isolation reduced' : ''].filter(Boolean);
  const marked = marks.length ? ` ${c.yellow(`[${marks.join(', ')}]`)}` : '';
  return `${label(result, c)} ${what}${marked} ${time}${reason}`;
}

/** Below a failed case's line: its failed asserts with their diagnostics, and the end of stderr. */
export function caseDetails(result: CaseResult, c: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const container of result.containers) {
    const prefix = result.containers.length > 1 ? `${container.name}: ` : '';
    for (const { path, assert } of failedAsserts(container.tap)) {
      lines.push(`  ${c.red('not ok')} ${scrubLine(prefix + path)}`);
      if (assert.diag) {
        const yaml = stringify(assert.diag).trimEnd().split('\n');
        const cut = yaml.length > DIAG_LINES ? ['…'] : [];
        const shown = [...yaml.slice(0, DIAG_LINES), ...cut];
        // YAML's indentation is its structure; scrubLine would trim it away.
        lines.push(...shown.map((l) => c.dim(`      ${/^ */.exec(l)?.[0] ?? ''}${scrubLine(l)}`)));
      }
    }
    const stderr = container.stderr.trimEnd().split('\n').slice(-STDERR_LINES);
    if (stderr.join('').trim()) {
      lines.push(`  ${scrubLine(`${prefix}stderr`)} (last ${stderr.length} lines):`);
      lines.push(...stderr.map((l) => c.dim(`    ${scrubLine(l)}`)));
    }
  }
  return lines;
}
