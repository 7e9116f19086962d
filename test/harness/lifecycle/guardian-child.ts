/**
 * A tiny harness stand-in for guardian.test.ts: it starts a real guardian, registers the commands
 * named on its command line (JSON argv arrays), unregisters the ones after `--release`, prints
 * `ready`, and then either waits to be killed or, with `--clean`, says goodbye and exits.
 */
import { Guardian } from '../../../harness/lifecycle/guardian.js';

const args = process.argv.slice(2);
const clean = args.includes('--clean');
const split = args.indexOf('--release');
const keep = (split === -1 ? args : args.slice(0, split)).filter((a) => a !== '--clean');
const release = split === -1 ? [] : args.slice(split + 1).filter((a) => a !== '--clean');

const guardian = Guardian.start();
for (const json of [...keep, ...release]) guardian.guardCommand(JSON.parse(json) as { argv: string[]; log?: string });
for (const json of release) guardian.releaseCommand(JSON.parse(json) as { argv: string[]; log?: string });
process.stdout.write('ready\n');
if (clean) guardian.close();
else setInterval(() => {}, 60_000);
