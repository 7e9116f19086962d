import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Reaper } from '../../lifecycle/reaper.js';
import { UsageError } from '../../model/errors.js';
import type { RunSummary } from '../../model/types.js';
import { inventories } from '../../../platforms/registry.js';
import { runCommand, type Terminal } from './run.js';

/** `harness lab status`: every board of the lab, free, leased (by whom, since when) or quarantined (why). */
export async function labStatus(lab: string, cache: string, write: (text: string) => void): Promise<void> {
  const entries = (await inventories({ lab }, resolve(cache))).flatMap((i) => i.entries);
  const width = Math.max(5, ...entries.map((e) => e.name.length));
  write(`${'board'.padEnd(width)} ${'state'.padEnd(11)} detail\n`);
  for (const e of entries) write(`${e.name.padEnd(width)} ${e.state.padEnd(11)} ${e.detail}\n`);
}

/** The health check's one case: the board boots, the agent runs a container, TAP comes back. */
const HEALTH_CASE = `summary: the board boots, takes the agent and runs one container
labels: [health]
timeout: 60s
containers:
  - name: probe
    run: [/bin/sh, -c, 'echo 1..1; echo ok 1 - the board runs containers']
`;

/**
 * `harness lab health <board>`: boots the board (quarantined or not) and runs one trivial case; a
 * pass lifts its quarantine. Returns the run's summary; exit 0 means the board is back in service.
 */
export async function labHealth(board: string, flags: { lab: string; out?: string; cache: string; bootTimeout?: number }, terminal: Terminal, reaper: Reaper): Promise<RunSummary> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(board)) throw new UsageError('<board>', `"${board}" is not a board name`);
  const cases = await mkdtemp(join(tmpdir(), 'harness-health-'));
  try {
    await mkdir(join(cases, 'health'));
    await writeFile(join(cases, 'health', 'case.yaml'), HEALTH_CASE);
    const summary = await runCommand(
      {
        platform: `board:${board}`,
        label: [],
        reporter: ['human'],
        out: flags.out,
        cases: [cases],
        cache: flags.cache,
        repeat: 1,
        retries: 0,
        infraRetries: 0,
        bootTimeout: flags.bootTimeout,
        history: false,
        platformOptions: { lab: flags.lab, healthCheck: true },
      },
      terminal,
      reaper,
    );
    terminal.write(summary.exitCode === 0 ? `${board}: healthy, back in service\n` : `${board}: the health check failed; it stays out of service\n`);
    return summary;
  } finally {
    await rm(cases, { recursive: true, force: true });
  }
}
