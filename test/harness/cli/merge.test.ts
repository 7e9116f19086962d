import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeCommand } from '../../../harness/cli/commands/merge.js';
import type { CaseResult, RunInfo, RunSummary } from '../../../harness/model/types.js';
import { JournalReporter } from '../../../harness/report/jsonl.js';
import { results as fixtureResults } from '../report/run-fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'harness-merge-'));
  dirs.push(d);
  return d;
};

/** A shard's output folder: its journal, as a run with `--shard index/total` writes it. */
function shard(index: number, total: number, results: CaseResult[], options: { revision?: string; finished?: boolean } = {}): string {
  const dir = temp();
  const info: RunInfo = {
    runId: `run-${index}`, startedAt: '2025-01-02T03:04:05.000Z', outDir: dir, platforms: ['qemu:x86_64'], selected: results.length,
    skipped: [{ caseId: 'elsewhere', reason: `in shard ${index === 1 ? 2 : 1}/${total}` }, { caseId: 'never', reason: 'label slow is excluded' }],
    revision: options.revision ?? 'abc123', shard: { index, total },
  };
  const journal = new JournalReporter(join(dir, 'results.jsonl'));
  journal.onRunBegin(info);
  for (const r of results) journal.onCaseEnd(r);
  const summary: RunSummary = { runId: info.runId, durationMs: 1000 * index, results, boots: [], skipped: info.skipped, exitCode: 0 };
  if (options.finished !== false) journal.onRunEnd(summary);
  return dir;
}

const [a, b, c] = fixtureResults;
const write = () => {};

describe('harness merge', () => {
  it('joins the shards into one results.json, JUnit and TAP, as if one runner ran them all', async () => {
    const out = join(temp(), 'merged');
    const summary = await mergeCommand([shard(1, 2, [a!]), shard(2, 2, [b!, c!])], out, false, write);
    expect(summary.results.map((r) => r.caseId)).toEqual([a!.caseId, b!.caseId, c!.caseId]);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: CaseResult[]; skipped: { caseId: string }[] };
    expect(json.results).toHaveLength(3);
    // "in shard 2/2" is no skip once shard 2 is merged in; a label filter still is.
    expect(json.skipped.map((s) => s.caseId)).toEqual(['never']);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(readFileSync(join(out, 'results.tap'), 'utf8')).toMatch(/^TAP version 14/);
  });

  it('fails, naming the shard, when one is missing', async () => {
    await expect(mergeCommand([shard(1, 3, [a!]), shard(3, 3, [b!])], join(temp(), 'm'), false, write)).rejects.toThrow('harness merge: shard 2/3 missing: given 1/3, 3/3');
  });

  it('fails, naming the shard, when one comes from a different revision', async () => {
    const foreign = shard(2, 2, [b!], { revision: 'def456' });
    await expect(mergeCommand([shard(1, 2, [a!]), foreign], join(temp(), 'm'), false, write)).rejects.toThrow(
      `${foreign}: this shard tested revision "def456"`,
    );
  });

  it('fails on a shard given twice, one of another count, and one that did not finish', async () => {
    const one = shard(1, 2, [a!]);
    await expect(mergeCommand([one, shard(1, 2, [b!])], join(temp(), 'm'), false, write)).rejects.toThrow('shard 1/2 is here and in');
    await expect(mergeCommand([one, shard(2, 3, [b!])], join(temp(), 'm'), false, write)).rejects.toThrow('this shard is 2/3');
    const killed = shard(2, 2, [b!], { finished: false });
    await expect(mergeCommand([one, killed], join(temp(), 'm'), false, write)).rejects.toThrow(`${killed}: this shard did not finish`);
    await expect(mergeCommand([one, join(temp(), 'empty')], join(temp(), 'm'), false, write)).rejects.toThrow('no results.jsonl here');
  });
});
