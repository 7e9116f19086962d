/**
 * P1: the harness booting the bundled x86_64 image, running 10 bundled cases and powering off, as a
 * whole process, against bare QEMU booting the same kernel and initrd whose /init runs the same 10
 * case scripts, each in its own unshare namespaces. P6 is the CLI's start to QEMU's spawn against the
 * boot's own spawn → ready, in runs that boot for real (--no-snapshot); beside it, the same start
 * against a restore's spawn → ready, which no process that first loads Node can reach a tenth of.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../harness/cli/repo-root.js';
import { discoverCases } from '../harness/select/load.js';
import { PROFILES, qemuArgv, withConsole } from '../platforms/qemu/profiles.js';
import { bareInitrd } from './lib/bare-initrd.js';
import { runHarness, type HarnessRunStats } from './lib/harness-run.js';
import { median, sideBySide, type Figure } from './lib/measure.js';

/** The bundled cases that share one boot: no privileged ones, no image of their own. */
export const TEN = ['cgroups', 'env-and-exit', 'escapes-closed', 'kernel-cmdline', 'ktap-selftest', 'ns-pid1', 'ns-rootfs', 'skip-self', 'subtests-yaml', 'uname-arch'];

export async function p1AndP6(times: number, harnessArgs: string[] = []): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), 'harness-bench-p1-'));
  const fixture = join(repoRoot, '.cache/fixtures/x86_64');
  const cases = (await discoverCases(join(repoRoot, 'cases'))).filter((c) => TEN.includes(c.id));
  const initrd = await bareInitrd(join(fixture, 'harness-initrd.img'), cases, 'x86_64', join(work, 'bare-initrd.img'));
  const profile = PROFILES.x86_64;
  const bareArgv = qemuArgv(profile, { accel: 'tcg', kernel: { path: join(fixture, 'harness-kernel'), initrd, cmdline: withConsole(profile, 'console=ttyS0 panic=-1 printk.time=1') }, memoryMiB: 512, smp: 1 });
  const tenCases = ['run', '--platform', 'qemu:x86_64', '--grep', `^(${TEN.join('|')})$`, '-j', '1', '--no-history', '--reporter', 'json'];
  let n = 0;
  const runs = await sideBySide(
    times,
    // One slot: the bare run is one guest on one core, and with two the harness would split the ten
    // cases over two boots, which is faster but no longer its overhead.
    () => runHarness([...tenCases, ...harnessArgs], join(work, `h${n++}`)),
    async () => {
      const t0 = performance.now();
      const { stdout } = await execa(profile.binary, bareArgv, { stdin: 'ignore' });
      const done = stdout.split('\n').filter((l) => l.startsWith('bare: done')).length;
      if (done !== TEN.length) throw new Error(`the bare run finished ${done} of ${TEN.length} cases`);
      return { wallMs: performance.now() - t0 };
    },
  );
  const cold: HarnessRunStats[] = [];
  for (let i = 0; i < times; i++) cold.push(await runHarness([...tenCases, '--no-snapshot', ...harnessArgs], join(work, `c${i}`)));
  const harness = median(runs.a.map((r) => r.wallMs));
  const bare = median(runs.b.map((r) => r.wallMs));
  const startToSpawn = (rs: HarnessRunStats[]) => median(rs.map((r) => r.startToSpawnMs ?? NaN));
  const spawnToReady = (rs: HarnessRunStats[]) => median(rs.map((r) => r.boots[0]?.phases['ready'] ?? NaN));
  const [coldStart, coldReady, warmStart, warmReady] = [startToSpawn(cold), spawnToReady(cold), startToSpawn(runs.a), spawnToReady(runs.a)];
  return [
    {
      id: 'P1',
      what: 'boot + 10 cases + poweroff, harness / bare QEMU (x86_64)',
      value: harness / bare,
      goal: { op: '<=', value: 1.1 },
      detail: `harness ${(harness / 1000).toFixed(2)} s / bare ${(bare / 1000).toFixed(2)} s (medians of ${times})`,
    },
    {
      id: 'P6',
      what: 'CLI start → QEMU spawn / spawn → ready of a boot',
      value: coldStart / coldReady,
      goal: { op: '<=', value: 0.1 },
      detail: `${coldStart.toFixed(0)} ms / ${coldReady.toFixed(0)} ms; from a snapshot ${warmStart.toFixed(0)} ms / ${warmReady.toFixed(0)} ms = ${(warmStart / warmReady).toFixed(2)} (medians of ${times})`,
    },
  ];
}
