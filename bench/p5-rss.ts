/** P5: the harness's own peak memory with 1 and with 8 guests at once (`--slots 8` oversubscribes on purpose). */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHarness } from './lib/harness-run.js';
import { median, sideBySide, type Figure } from './lib/measure.js';

/** Eight cases that each want a boot of their own, so eight guests run side by side. */
async function eightFreshCases(dir: string): Promise<string> {
  await mkdir(join(dir, 'lib'), { recursive: true });
  for (let i = 1; i <= 8; i++) {
    const c = join(dir, `fresh-${i}`);
    await mkdir(join(c, 'files'), { recursive: true });
    await writeFile(join(c, 'case.yaml'), 'summary: a no-op case in a boot of its own\nfresh-machine: true\narch: [x86_64]\ncontainers:\n  - name: c\n    run: [/bin/sh, /case/test.sh]\n');
    await writeFile(join(c, 'files', 'test.sh'), 'echo 1..1\necho ok 1 - noop\n');
  }
  return dir;
}

export async function p5(times: number): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), 'harness-bench-p5-'));
  const cases = await eightFreshCases(join(work, 'cases'));
  let n = 0;
  const run = (slots: number, grep: string) => () =>
    runHarness(['run', '--platform', 'qemu:x86_64', '--cases', cases, '--grep', grep, '--slots', String(slots), '--no-history', '--reporter', 'json'], join(work, `r${n++}`));
  const runs = await sideBySide(times, run(1, '^fresh-1$'), run(8, '^fresh-'));
  const one = median(runs.a.map((r) => r.peakKiB)) / 1024;
  const eight = median(runs.b.map((r) => r.peakKiB)) / 1024;
  return [
    { id: 'P5', what: 'harness peak RSS with 8 guests, MiB', value: eight, goal: { op: '<=', value: 100 }, detail: `1 guest ${one.toFixed(0)} MiB, 8 guests ${eight.toFixed(0)} MiB (medians of ${times})` },
    { id: 'P5b', what: 'harness peak RSS, 8 guests / 1 guest (flat)', value: eight / one, goal: { op: '<=', value: 1.25 }, detail: `${eight.toFixed(0)} / ${one.toFixed(0)} MiB` },
  ];
}
