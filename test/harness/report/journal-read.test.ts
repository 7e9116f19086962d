import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../../harness/report/journal-read.js';
import { UsageError } from '../../../harness/model/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-read-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const begin = (runId: string) => ({ type: 'run-begin', info: { runId, startedAt: '2026-01-01T00:00:00.000Z', outDir: dir, platforms: [], selected: 1, skipped: [] } });
const result = (caseId: string) => ({ type: 'case', result: { caseId, outcome: 'pass' } });

function journal(entries: object[]): string {
  const path = join(dir, 'results.jsonl');
  writeFileSync(path, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return path;
}

describe('readJournal', () => {
  it('reads a run that ended', async () => {
    const run = await readJournal(journal([begin('r1'), result('a'), { type: 'run-end', exitCode: 0, durationMs: 5 }]));
    expect(run).toMatchObject({ complete: true, summary: { runId: 'r1', exitCode: 0, results: [{ caseId: 'a' }] } });
  });

  it('refuses a journal two runs wrote to, which read back as one complete run with both runs\' results', async () => {
    const path = journal([begin('r1'), result('a'), { type: 'run-end', exitCode: 0, durationMs: 5 }, begin('r2'), result('a')]);
    await expect(readJournal(path)).rejects.toThrow(
      new UsageError(`${path}:4`, 'a second run began here (r2 after r1): two runs wrote to this folder, and their results cannot be told apart'),
    );
  });
});
