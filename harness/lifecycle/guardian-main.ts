/**
 * The guardian: a detached process that outlives a harness killed with SIGKILL. The harness tells it,
 * one line at a time on stdin, which processes and folders it owns; when stdin closes without a
 * clean `bye` (the harness died), it kills those processes and removes those folders.
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const pids = new Set<number>();
const paths = new Set<string>();
let clean = false;

createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, kind, ...rest] = line.split(' ');
  const value = rest.join(' ');
  if (verb === 'bye') clean = true;
  const set = kind === 'pid' ? pids : paths;
  const item = kind === 'pid' ? Number(value) : value;
  if (verb === 'add') (set as Set<typeof item>).add(item);
  if (verb === 'del') (set as Set<typeof item>).delete(item);
});

process.stdin.on('close', () => {
  if (clean) return;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const path of paths) rmSync(path, { recursive: true, force: true });
});
