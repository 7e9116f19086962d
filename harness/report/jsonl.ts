import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { BootRecord, CaseResult, Reporter, RunInfo, RunSummary } from '../model/types.js';

/** One line of results.jsonl. */
export type JournalEntry =
  | { type: 'run-begin'; info: RunInfo }
  | { type: 'case'; result: CaseResult }
  | { type: 'boot'; record: BootRecord }
  | { type: 'run-end'; exitCode: number; durationMs: number };

/**
 * The run's journal: every result is appended and fsynced the moment it exists, so a run killed at
 * any point (SIGKILL, a CI time limit, a full disk afterwards) leaves everything collected so far
 * readable; `harness collect` rebuilds the other reports from it.
 */
export class JournalReporter implements Reporter {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  onRunBegin(info: RunInfo): void {
    this.fd = openSync(this.path, 'a');
    this.append({ type: 'run-begin', info });
  }

  onCaseEnd(result: CaseResult): void {
    this.append({ type: 'case', result });
  }

  onBootEnd(record: BootRecord): void {
    this.append({ type: 'boot', record });
  }

  onRunEnd(summary: RunSummary): void {
    this.append({ type: 'run-end', exitCode: summary.exitCode, durationMs: summary.durationMs });
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(entry: JournalEntry): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }
}
