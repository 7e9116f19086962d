/**
 * `npm run bench:serial`: P4 alone, the 115200-baud UART goodput both ways (bench/p4-serial.ts).
 * Exits 1 when either is under its goal.
 *
 *   npm run bench:serial [-- --runs 5 --bytes 60000]
 */
import { parseArgs } from 'node:util';
import { formatTable, met } from './lib/measure.js';
import { p4 } from './p4-serial.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, bytes: { type: 'string', default: '60000' } } });
const figures = await p4(Math.max(5, Number(values.runs)), Number(values.bytes));
process.stdout.write(`${formatTable(figures)}\n`);
process.exitCode = figures.every(met) ? 0 : 1;
