/**
 * `npm run faults`: runs the fault suite (test/faults/suite.ts) and prints its table. Exits 1 when a
 * row is wrong (a class other than the expected one, an orphan, a lost result), 0 when all are right.
 *
 *   npx tsx test/faults/main.ts [--only panic,sigint] [--parallel 1] [--keep] [--cache <dir>]
 */
import { parseArgs } from 'node:util';
import { formatTable, runFaultSuite } from './suite.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    cache: { type: 'string' },
    'work-dir': { type: 'string' },
  },
});

const started = performance.now();
const rows = await runFaultSuite({
  only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
  parallel: Number(values.parallel),
  keep: values.keep,
  cacheDir: values.cache,
  workDir: values['work-dir'],
  log: (line) => process.stderr.write(`[faults] ${line}\n`),
});
process.stdout.write(`\n${formatTable(rows)}`);
process.stdout.write(`\n${rows.filter((r) => r.ok).length}/${rows.length} rows right in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
