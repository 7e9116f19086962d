/** The harness as users run it (the compiled CLI), timed from outside, its peak memory sampled from /proc. */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../harness/cli/repo-root.js';

export interface HarnessRunStats {
  wallMs: number;
  /** The harness process's peak resident memory (VmHWM), KiB; QEMU is not counted. */
  peakKiB: number;
  /** From the process's start to writing the first QEMU argv, ms (the moment before the spawn). */
  startToSpawnMs?: number;
  results: { outcome: string }[];
  boots: { phases: Record<string, number>; resumed?: boolean }[];
  exitCode: number | null;
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The earliest qemu-argv.json under boots/: it is written just before QEMU is spawned. */
function firstArgvMs(out: string): number | undefined {
  const times: number[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.qemu-argv.json')) times.push(statSync(p).mtimeMs);
    }
  };
  try {
    walk(join(out, 'boots'));
  } catch {
    return undefined;
  }
  return times.length ? Math.min(...times) : undefined;
}

export async function runHarness(args: string[], out: string): Promise<HarnessRunStats> {
  const started = Date.now();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/harness.js'), ...args, '--out', out, '--force-out'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4096)));
  let peakKiB = 0;
  const poll = setInterval(() => (peakKiB = Math.max(peakKiB, vmHwmKiB(child.pid!) ?? 0)), 50);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(poll);
  const wallMs = performance.now() - t0;
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Pick<HarnessRunStats, 'results' | 'boots'>;
  if (exitCode !== 0) throw new Error(`harness ${args.join(' ')} exited ${exitCode}: ${stderr}`);
  const spawnAt = firstArgvMs(out);
  return { wallMs, peakKiB, results: json.results, boots: json.boots, exitCode, ...(spawnAt !== undefined && { startToSpawnMs: spawnAt - started }) };
}
