/**
 * `npm run faults`: runs the fault suite (test/faults/suite.ts, then the board rows of
 * test/faults/board-suite.ts) and prints its table. Exits 1 when a
 * row is wrong (a class other than the expected one, an orphan, a lost result), 0 when all are right.
 *
 *   npx tsx test/faults/main.ts [--only panic,sigint] [--parallel 1] [--keep] [--cache <dir>]
 */
import { parseArgs } from 'node:util';
import { BOARD_FAULTS, runBoardFaultSuite } from './board-suite.js';
import { FAULTS, formatTable, runFaultSuite } from './suite.js';

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
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = (only ?? []).filter((n) => !FAULTS.some((f) => f.name === n) && !BOARD_FAULTS.some((f) => f.name === n));
if (unknown.length) throw new Error(`unknown fault(s): ${unknown.join(', ')}`);
const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);
// --only picks from both tables; a table none of whose rows is picked does not run.
const pick = (names: string[]) => (only ? only.filter((n) => names.includes(n)) : undefined);
const qemu = pick(FAULTS.map((f) => f.name));
const boards = pick(BOARD_FAULTS.map((f) => f.name));
const rows = [
  ...(qemu?.length === 0 ? [] : await runFaultSuite({ only: qemu, parallel: Number(values.parallel), keep: values.keep, cacheDir: values.cache, workDir: values['work-dir'], log })),
  ...(await runBoardFaultSuite({ only: boards, parallel: Number(values.parallel), cacheDir: values.cache, log })),
];
process.stdout.write(`\n${formatTable(rows)}`);
process.stdout.write(`\n${rows.filter((r) => r.ok).length}/${rows.length} rows right in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
