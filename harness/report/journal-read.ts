import { readFile } from 'node:fs/promises';
import { UsageError } from '../model/errors.js';
import { exitCodeOf } from '../run/run-targets.js';
import { EXIT, type RunInfo, type RunSummary } from '../model/types.js';
import type { JournalEntry } from './jsonl.js';

export interface RecoveredRun {
  info: RunInfo;
  summary: RunSummary;
  /** False when the run never wrote its end: it was killed or crashed. */
  complete: boolean;
  /** A last line cut off mid-write by the kill, left out. */
  truncatedTail: boolean;
}

/** Reads results.jsonl back into a summary; a run cut short still yields everything it finished. */
export async function readJournal(path: string): Promise<RecoveredRun> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(path, `cannot read the results journal: ${error.code ?? error.message}`);
  });
  const lines = text.split('\n');
  const last = lines.pop();
  const truncatedTail = last !== undefined && last !== '';
  let info: RunInfo | undefined;
  let end: Extract<JournalEntry, { type: 'run-end' }> | undefined;
  const summary: RunSummary = { runId: '', durationMs: 0, results: [], boots: [], skipped: [], exitCode: 0 };
  lines.forEach((line, index) => {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      throw new UsageError(`${path}:${index + 1}`, 'not a JSON line');
    }
    if (entry.type === 'run-begin') {
      // Folders reused before --out was checked hold two runs; reading them as one would hide the second's fate.
      if (info) {
        const problem = `a second run began here (${entry.info.runId} after ${info.runId}): two runs wrote to this folder, and their results cannot be told apart`;
        throw new UsageError(`${path}:${index + 1}`, problem);
      }
      info = entry.info;
    }
    else if (entry.type === 'case') summary.results.push(entry.result);
    else if (entry.type === 'boot') summary.boots.push(entry.record);
    else if (entry.type === 'run-end') end = entry;
  });
  if (!info) throw new UsageError(path, 'no run-begin line: not a harness results journal');
  summary.runId = info.runId;
  summary.skipped = info.skipped;
  summary.durationMs = end?.durationMs ?? Date.now() - Date.parse(info.startedAt);
  // A run that never ended did not finish its cases: that is an infrastructure error unless a test failed.
  summary.exitCode = end ? (end.exitCode as RunSummary['exitCode']) : exitCodeOf(summary.results) === EXIT.testFailed ? EXIT.testFailed : EXIT.infra;
  return { info, summary, complete: end !== undefined, truncatedTail };
}
