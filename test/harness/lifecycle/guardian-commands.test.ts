import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatGuardedCommand, parseGuardedCommand } from '../../../harness/lifecycle/guarded-command.js';

const dir = mkdtempSync(join(tmpdir(), 'guardian-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const child = fileURLToPath(new URL('./guardian-child.ts', import.meta.url));

/** A command that leaves `marker` behind, written as the harness would: an argument array. */
function writes(marker: string, log?: string): string {
  const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, process.argv[1]); console.log('wrote', process.argv[1])`;
  return JSON.stringify({ argv: [process.execPath, '-e', script, 'it is; not a shell $(x)'], ...(log && { log }) });
}

/** Starts the stand-in harness and resolves once it has registered everything. */
async function harness(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`child exited ${code} before it was ready`)));
  });
  return proc;
}

async function waitFor(test: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return test();
}

describe('guardian commands', () => {
  it('runs a registered command after the harness is SIGKILLed, as an argument array, with its output in the log', async () => {
    const marker = join(dir, 'killed');
    const dropped = join(dir, 'dropped');
    const log = join(dir, 'gc.log');
    const proc = await harness([writes(marker, log), '--release', writes(dropped)]);
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    expect(await waitFor(() => existsSync(marker) && readFileSync(log, 'utf8').includes('wrote'), 15_000)).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe('it is; not a shell $(x)');
    expect(readFileSync(log, 'utf8')).toBe('wrote it is; not a shell $(x)\n');
    // The released one never runs, even though it was registered first.
    expect(existsSync(dropped)).toBe(false);
  }, 30_000);

  it('runs nothing after a clean goodbye', async () => {
    const marker = join(dir, 'clean');
    const proc = await harness([writes(marker), '--clean']);
    await once(proc, 'exit');
    // The guardian had its chance: a clean exit's guardian acts at once or not at all.
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(marker)).toBe(false);
  }, 30_000);
});

describe('guarded command lines', () => {
  it('round-trip, and refuse what is not an argument array', () => {
    const line = formatGuardedCommand({ argv: ['harness', 'cloud', 'gc', '--run', 'a b\nc'], log: '/tmp/x y' });
    expect(parseGuardedCommand(line)).toEqual({ argv: ['harness', 'cloud', 'gc', '--run', 'a b\nc'], log: '/tmp/x y' });
    expect(line).not.toContain('\n');
    for (const bad of ['rm -rf /', '"rm -rf /"', '{"argv":"rm -rf /"}', '{"argv":[]}', '{"argv":["x",1]}', '{"argv":["x"],"log":3}', 'null']) {
      expect(parseGuardedCommand(bad)).toBeUndefined();
    }
    expect(() => formatGuardedCommand({ argv: [] })).toThrow(TypeError);
  });
});
