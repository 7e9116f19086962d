/**
 * P2: a 24-case suite of trivial cases on x86_64, run the harness's way (sessions that restore a saved
 * snapshot and run many cases each) against boot-per-case (every case `fresh-machine: true`, real
 * boots, `--no-snapshot`), both with the same `-j`, as whole processes.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHarness, type HarnessRunStats } from './lib/harness-run.js';
import { median, sideBySide, type Figure } from './lib/measure.js';

const CASES = 24;

async function suite(root: string, freshMachine: boolean): Promise<string> {
  for (let i = 0; i < CASES; i++) {
    const dir = join(root, `noop-${String(i).padStart(2, '0')}`);
    await mkdir(join(dir, 'files'), { recursive: true });
    await writeFile(join(dir, 'case.yaml'), `summary: a trivial case\narch: [x86_64]\nfresh-machine: ${freshMachine}\ncontainers:\n  - name: c\n    run: [/bin/sh, /case/test.sh]\n`);
    await writeFile(join(dir, 'files', 'test.sh'), `echo 'TAP version 14'\necho 1..1\necho 'ok 1 - noop ${i}'\n`);
  }
  return root;
}

export async function p2(times: number, jobs = '2'): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), 'harness-bench-p2-'));
  const sessions = await suite(join(work, 'sessions'), false);
  const perCase = await suite(join(work, 'per-case'), true);
  const common = ['run', '--platform', 'qemu:x86_64', '-j', jobs, '--no-history', '--reporter', 'json'];
  const passed = (r: HarnessRunStats) => {
    const ok = r.results.filter((x) => x.outcome === 'pass').length;
    if (ok !== CASES) throw new Error(`${ok} of ${CASES} trivial cases passed`);
    return r;
  };
  let n = 0;
  // The first run may save the snapshot; it is not a sample.
  passed(await runHarness([...common, '--cases', sessions], join(work, 'warm')));
  const runs = await sideBySide(
    times,
    async () => passed(await runHarness([...common, '--cases', sessions], join(work, `s${n++}`))),
    async () => passed(await runHarness([...common, '--cases', perCase, '--no-snapshot'], join(work, `b${n++}`))),
  );
  const fast = median(runs.a.map((r) => r.wallMs));
  const slow = median(runs.b.map((r) => r.wallMs));
  const boots = runs.a.flatMap((r) => r.boots);
  const restored = boots.filter((b) => b.resumed).length;
  return [
    {
      id: 'P2',
      what: `${CASES} trivial cases: boot-per-case / sessions with snapshots (x86_64, -j ${jobs})`,
      value: slow / fast,
      goal: { op: '>=', value: 8 },
      detail: `boot-per-case ${(slow / 1000).toFixed(1)} s / sessions ${(fast / 1000).toFixed(2)} s (medians of ${times}; ${restored} of ${boots.length} sessions restored)`,
    },
  ];
}
