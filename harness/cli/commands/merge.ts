import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../model/errors.js';
import type { RunInfo, RunSummary, SkippedCase } from '../../model/types.js';
import { readJournal, type RecoveredRun } from '../../report/journal-read.js';
import { createReporters } from '../../report/index.js';
import { ReporterMux } from '../../report/multiplexer.js';
import { exitCodeOf } from '../../run/run-targets.js';
import { prepareOutDir } from '../out-dir.js';

interface Shard {
  dir: string;
  run: RecoveredRun;
}

/** Every shard of one suite is there once, of one revision, and finished: or the merge names the one that is not. */
function checkShards(shards: Shard[]): void {
  const first = shards[0]!;
  const revision = first.run.info.revision;
  for (const s of shards) {
    if (!s.run.complete) throw new UsageError(s.dir, 'this shard did not finish (killed or timed out): rerun it, or merge without it knowingly after `harness collect`');
    if (s.run.info.revision !== revision) {
      throw new UsageError(s.dir, `this shard tested revision ${JSON.stringify(s.run.info.revision)}, ${first.dir} tested ${JSON.stringify(revision)}: it belongs to another run`);
    }
  }
  const sharded = shards.filter((s) => s.run.info.shard);
  if (sharded.length === 0) return;
  const unsharded = shards.find((s) => !s.run.info.shard);
  if (unsharded) throw new UsageError(unsharded.dir, 'this run was not one of --shard i/n, the others were');
  const total = first.run.info.shard!.total;
  const seen = new Map<number, string>();
  for (const s of shards) {
    const { index, total: t } = s.run.info.shard!;
    if (t !== total) throw new UsageError(s.dir, `this shard is ${index}/${t}, ${first.dir} is one of ${total}`);
    const twin = seen.get(index);
    if (twin) throw new UsageError(s.dir, `shard ${index}/${total} is here and in ${twin}`);
    seen.set(index, s.dir);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new UsageError('harness merge', `shard ${missing.map((i) => `${i}/${total}`).join(', ')} missing: given ${[...seen.keys()].sort((a, b) => a - b).map((i) => `${i}/${total}`).join(', ')}`);
}

/** A case left out as "in shard k/n" by one shard ran in another; only what no shard ran stays skipped. */
function mergedSkips(shards: Shard[]): SkippedCase[] {
  const key = (s: SkippedCase) => `${s.platform ?? ''}\u0000${s.caseId}`;
  const ran = new Set(shards.flatMap((s) => s.run.summary.results.map((r) => `${r.platform}\u0000${r.caseId}`)));
  const counted = new Map<string, SkippedCase>();
  for (const s of shards) for (const skip of s.run.summary.skipped) if (!/^in shard \d+\/\d+$/.test(skip.reason) && !ran.has(key(skip))) counted.set(key(skip), skip);
  return [...counted.values()];
}

/**
 * `harness merge DIR…`: the shards of one suite, spread over CI runners with `--shard i/n`, joined
 * into one results.json, junit.xml, results.tap and report.html, as if one runner had run them all.
 */
export async function mergeCommand(dirs: string[], out: string, force: boolean, write: (text: string) => void): Promise<RunSummary> {
  if (dirs.length === 0) throw new UsageError('harness merge', 'name the shards\' output folders');
  const shards: Shard[] = [];
  for (const dir of dirs.map((d) => resolve(d))) {
    const journal = join(dir, 'results.jsonl');
    if (!existsSync(journal)) throw new UsageError(dir, 'no results.jsonl here: this shard did not run, or its artifact is missing');
    shards.push({ dir, run: await readJournal(journal) });
  }
  checkShards(shards);
  const results = shards.flatMap((s) => s.run.summary.results);
  const first = shards[0]!.run.info;
  const outDir = resolve(out);
  await prepareOutDir(outDir, { force });
  const info: RunInfo = {
    ...first,
    runId: `${first.runId}-merged`,
    outDir,
    platforms: [...new Set(shards.flatMap((s) => s.run.info.platforms))],
    selected: shards.reduce((n, s) => n + s.run.info.selected, 0),
    skipped: mergedSkips(shards),
  };
  delete info.shard;
  const summary: RunSummary = {
    runId: info.runId,
    durationMs: Math.max(...shards.map((s) => s.run.summary.durationMs)),
    results,
    boots: shards.flatMap((s) => s.run.summary.boots),
    skipped: info.skipped,
    exitCode: exitCodeOf(results),
  };
  const mux = new ReporterMux(createReporters(['tap', 'junit', 'json', 'html'], { outDir, write, color: false, live: false }));
  await mux.onRunBegin(info);
  await mux.onRunEnd(summary);
  const errors = mux.errors();
  if (errors.length) throw errors[0]!.error;
  write(`${outDir}: ${shards.length} shard(s), ${results.length} results, exit ${summary.exitCode}\n`);
  return summary;
}
