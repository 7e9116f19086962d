/**
 * A harness stand-in for guardian-gc.test.ts: a real Reaper and Guardian, and the cloud core's own
 * CloudRun registering its `cloud gc` command as a cloud start does. Its "harness" is a recorder
 * that writes the arguments it was run with to the file named first, so the test sees exactly what
 * the guardian ran. Prints `ready`, then waits to be killed.
 */
import { Guardian } from '../../../harness/lifecycle/guardian.js';
import { Reaper } from '../../../harness/lifecycle/reaper.js';
import { CloudRun } from '../../../platforms/cloud/core/cloud-run.js';

const [marker, logDir] = process.argv.slice(2) as [string, string];
const recorder = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.argv.slice(1)))`;
const reaper = new Reaper(Guardian.start());
const run = new CloudRun({ reaper, runId: '2026-12-01T09-00-00-000Z', creator: 'ci@runner', discover: async () => '198.51.100.7', self: [process.execPath, '-e', recorder, '--'], logDir });
run.guardGc('aws', ['--aws-region', 'eu-west-1']);
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
