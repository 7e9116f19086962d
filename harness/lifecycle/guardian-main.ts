/**
 * The guardian: a detached process that outlives a harness killed with SIGKILL. The harness tells it,
 * one line at a time on stdin, which processes, folders and clean-up commands it owns; when stdin
 * closes without a clean `bye` (the harness died), it kills those processes, removes those folders,
 * then runs those commands (cloud resources only a provider's API can delete).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseGuardedCommand, type GuardedCommand } from './guarded-command.js';

/** A clean-up command that hangs must not keep the guardian alive for ever. */
const COMMAND_TIMEOUT_MS = 30 * 60_000;

const pids = new Set<number>();
const paths = new Set<string>();
/** By their registration line, so `del` names exactly what `add` did. */
const commands = new Map<string, GuardedCommand>();
let clean = false;

createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, kind, ...rest] = line.split(' ');
  const value = rest.join(' ');
  if (verb === 'bye') clean = true;
  if (verb !== 'add' && verb !== 'del') return;
  if (kind === 'cmd') {
    const command = parseGuardedCommand(value);
    if (verb === 'add' && command) commands.set(value, command);
    if (verb === 'del') commands.delete(value);
    return;
  }
  const set = kind === 'pid' ? pids : paths;
  const item = kind === 'pid' ? Number(value) : value;
  if (verb === 'add') (set as Set<typeof item>).add(item);
  if (verb === 'del') (set as Set<typeof item>).delete(item);
});

function run(command: GuardedCommand): void {
  const [file, ...args] = command.argv as [string, ...string[]];
  const log = command.log === undefined ? undefined : openSync(command.log, 'a');
  try {
    spawnSync(file, args, { stdio: ['ignore', log ?? 'ignore', log ?? 'ignore'], timeout: COMMAND_TIMEOUT_MS });
  } finally {
    if (log !== undefined) closeSync(log);
  }
}

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
  for (const command of commands.values()) {
    try {
      run(command);
    } catch {
      // A log that cannot be opened must not keep the next command from running.
    }
  }
});
