/**
 * `npm run bench`: every speed and memory figure beside its goal, each a ratio of two things measured
 * side by side in this run (medians of at least 5). Exits 1 when a goal is missed.
 *
 *   npm run bench [-- --times 5] [-- --only P1,P5]
 */
import { parseArgs } from 'node:util';
import { p1AndP6 } from './p1-overhead.js';
import { p2 } from './p2-sessions.js';
import { p3 } from './p3-case-cost.js';
import { p4 } from './p4-serial.js';
import { p5 } from './p5-rss.js';
import { formatTable, met, type Figure } from './lib/measure.js';

const { values } = parseArgs({ options: { times: { type: 'string', default: '5' }, only: { type: 'string' } } });
const times = Math.max(5, Number(values.times));
const only = values.only?.split(',');
const wanted = (...ids: string[]) => !only || ids.some((id) => only.includes(id));

const figures: Figure[] = [];
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
if (wanted('P1', 'P6')) {
  log('P1/P6: harness against bare QEMU, x86_64');
  figures.push(...(await p1AndP6(times)));
}
if (wanted('P2')) {
  log('P2: 24 trivial cases, sessions with snapshots against boot-per-case');
  figures.push(...(await p2(times)));
}
if (wanted('P3')) {
  log('P3: per-case cost against the same container started from /init, each architecture');
  figures.push(...(await p3(times, log)));
}
if (wanted('P4')) {
  log('P4: serial goodput at 115200 baud through the emulated board');
  figures.push(...(await p4(times)));
}
if (wanted('P5')) {
  log('P5: harness memory with 1 and 8 guests');
  figures.push(...(await p5(times)));
}
process.stdout.write(`${formatTable(figures)}\n`);
process.exitCode = figures.every((f) => met(f) || f.missing) ? 0 : 1;
