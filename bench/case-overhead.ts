/**
 * Per-case overhead inside a booted VM: one boot runs N trivial cases (a two-line TAP stream), so
 * each case's time is the harness's own cost (rootfs copy, runtime start, framing) and nothing else.
 * Prints medians and the ratio of a case to a boot, per architecture.
 *
 *   npx tsx bench/case-overhead.ts [--cases 20] [--platform qemu]
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFixtures } from '../fixtures/build.js';
import { fixturePrefix } from '../fixtures/paths.js';
import { parseArches } from '../harness/cli/commands/platforms.js';
import { Slots } from '../harness/lifecycle/slots.js';
import { openImage } from '../harness/image/open-image.js';
import { Reaper } from '../harness/lifecycle/reaper.js';
import { DEFAULT_TIMEOUTS } from '../harness/run/run-targets.js';
import { runSession } from '../harness/run/session.js';
import type { Arch, CaseDef } from '../harness/model/types.js';
import { createQemuPlatform } from '../platforms/qemu/index.js';
import { median } from './lib/measure.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '20' }, platform: { type: 'string', default: 'qemu' } } });
const count = Number(values.cases);
const arches = parseArches(values.platform!);

async function trivialCases(root: string, n: number): Promise<CaseDef[]> {
  const cases: CaseDef[] = [];
  for (let i = 0; i < n; i++) {
    const id = `noop-${i}`;
    const dir = join(root, id);
    await mkdir(join(dir, 'files'), { recursive: true });
    await writeFile(join(dir, 'files', 'test.sh'), 'echo 1..1\necho ok 1 - noop\n');
    cases.push({
      id, dir, file: join(dir, 'case.yaml'), name: id, summary: 'noop', labels: [], arch: [...arches], platforms: ['qemu'],
      timeoutMs: 60_000, freshMachine: false, imageRunsOwnTests: false, result: 'tap', privileged: false, capabilities: [], files: ['test.sh'],
      containers: [{ name: 'c', rootfs: 'base', run: ['/bin/sh', '/case/test.sh'], env: {} }],
    });
  }
  return cases;
}

await buildFixtures({ arches, log: () => {} });
const root = await mkdtemp(join(tmpdir(), 'harness-bench-'));
const cases = await trivialCases(root, count);
const reaper = new Reaper();
const slots = new Slots(1);
console.log(`per-case overhead, ${count} trivial cases in one boot`);
console.log('arch      ready(ms)  case median(ms)  case p90(ms)  runtime  case/boot-to-ready');
for (const arch of arches as Arch[]) {
  const platform = createQemuPlatform(arch, { reaper, cacheDir: join(process.cwd(), '.cache'), slots });
  const image = await openImage(fixturePrefix(arch, 'harness'), 'fixtures');
  const caps = await platform.probe(image);
  const out = join(root, arch);
  await mkdir(out, { recursive: true });
  const { results, boot } = await runSession(
    { id: `bench-${arch}`, target: 0, arch, mode: 'agent', cases, repeat: 1 },
    { platform, accel: caps.accel, image, rootfs: [], outDir: out, reporter: {}, timeouts: DEFAULT_TIMEOUTS, stopped: () => reaper.stopped, signal: reaper.signal, secrets: [], bootSamples: false },
  );
  const failed = results.filter((r) => r.outcome !== 'pass');
  if (failed.length) throw new Error(`${arch}: ${failed.length} noop cases did not pass: ${failed[0]!.reason}`);
  const durations = results.map((r) => r.durationMs);
  const sorted = [...durations].sort((a, b) => a - b);
  const ready = boot.phases.ready ?? NaN;
  console.log(
    `${arch.padEnd(9)} ${ready.toFixed(0).padStart(9)}  ${median(durations).toFixed(0).padStart(15)}  ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(0).padStart(12)}  ${(boot.guest?.runtime ?? '?').padEnd(7)}  ${(median(durations) / ready).toFixed(3).padStart(18)}`,
  );
}
await reaper.reapAll();
