import { join, resolve } from 'node:path';
import { readJournal } from '../../report/journal-read.js';
import { createReporters } from '../../report/index.js';
import { ReporterMux } from '../../report/multiplexer.js';
import type { RunSummary } from '../../model/types.js';

/**
 * `harness collect <out>`: rebuilds results.json, junit.xml and results.tap from results.jsonl, for a
 * run that was killed before it could write them.
 */
export async function collectCommand(outDir: string, write: (text: string) => void): Promise<RunSummary> {
  const dir = resolve(outDir);
  const run = await readJournal(join(dir, 'results.jsonl'));
  const mux = new ReporterMux(createReporters(['tap', 'junit', 'json'], { outDir: dir, write, color: false, live: false }));
  await mux.onRunBegin(run.info);
  await mux.onRunEnd(run.summary);
  const errors = mux.errors();
  if (errors.length) throw errors[0]!.error;
  write(
    `${dir}: ${run.summary.results.length} results, ${run.summary.boots.length} boots` +
      `${run.complete ? '' : ' (the run did not finish)'}${run.truncatedTail ? ', a cut-off last line left out' : ''}\n`,
  );
  return run.summary;
}
