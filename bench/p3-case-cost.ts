/**
 * P3: per-case cost inside a booted VM, side by side per architecture: one session runs N trivial
 * cases (a two-line TAP stream) with agent.sh alone, one with the compiled agent, and a boot starts
 * the same container with the same isolation straight from /init (bench/floor.ts), the floor a case
 * cannot go below. The three take turns, round by round, so a neighbour's load on a shared host
 * falls on all of them alike. The figure is the compiled agent's median against the floor's.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAgentd } from '../fixtures/agentd.js';
import { buildFixtures } from '../fixtures/build.js';
import { fixturePrefix, repoRoot } from '../fixtures/paths.js';
import { openImage } from '../harness/image/open-image.js';
import { Reaper } from '../harness/lifecycle/reaper.js';
import { Slots } from '../harness/lifecycle/slots.js';
import type { Arch, CaseDef } from '../harness/model/types.js';
import { DEFAULT_TIMEOUTS } from '../harness/run/run-targets.js';
import { runSession } from '../harness/run/session.js';
import type { KernelImage } from '../platforms/platform.js';
import { createQemuPlatform } from '../platforms/qemu/index.js';
import { measureFloor } from './floor.js';
import { median, type Figure } from './lib/measure.js';

async function trivialCases(root: string, n: number, arches: readonly Arch[]): Promise<CaseDef[]> {
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

export interface CaseCost {
  arch: Arch;
  runtime: string;
  /** ms per case, every case of every round. */
  floor: number[];
  sh: number[];
  agentd: number[];
  /** agentd / floor, round by round: a burst of load on the host shows as one odd round. */
  byRound: number[];
}

export async function measureCaseCost(arches: readonly Arch[], rounds: number, count: number, log: (line: string) => void): Promise<CaseCost[]> {
  await buildFixtures({ arches: [...arches], log: () => {} });
  const agents = await ensureAgentd([...arches], { log });
  const root = await mkdtemp(join(tmpdir(), 'harness-bench-p3-'));
  const cases = await trivialCases(root, count, arches);
  const reaper = new Reaper();
  const slots = new Slots(1);
  const costs: CaseCost[] = [];
  try {
    for (const arch of arches) {
      const platform = createQemuPlatform(arch, { reaper, cacheDir: join(repoRoot, '.cache'), slots });
      const image = (await openImage(fixturePrefix(arch, 'harness'), 'fixtures')) as KernelImage;
      const caps = await platform.probe(image);
      const out = join(root, arch);
      await mkdir(out, { recursive: true });
      let runtime = '?';
      const agentdPath = agents[arch]?.path;
      if (!agentdPath) throw new Error(`${arch}: no compiled agent (run: harness setup)`);
      const session = async (agent: 'sh' | 'agentd', round: number) => {
        const { results, boot } = await runSession(
          { id: `bench-${arch}-${agent}-${round}`, target: 0, arch, mode: 'agent', cases, repeat: 1 },
          { platform, accel: caps.accel, image, rootfs: [], ...(agent === 'agentd' && { agentd: agentdPath }), outDir: out, reporter: {}, timeouts: DEFAULT_TIMEOUTS, stopped: () => reaper.stopped, signal: reaper.signal, secrets: [], bootSamples: false },
        );
        const failed = results.filter((r) => r.outcome !== 'pass');
        if (failed.length) throw new Error(`${arch} (${agent}): ${failed.length} noop cases did not pass: ${failed[0]!.reason}`);
        if (boot.guest?.agent !== agent) throw new Error(`${arch}: asked for ${agent}, the guest ran ${boot.guest?.agent}`);
        runtime = boot.guest.runtime;
        return results.map((r) => r.durationMs);
      };
      const cost: CaseCost = { arch, runtime, floor: [], sh: [], agentd: [], byRound: [] };
      for (let round = 1; round <= rounds; round++) {
        log(`P3 ${arch}: round ${round} of ${rounds}`);
        const floor = await measureFloor({ platform, accel: caps.accel, image, arch, noop: cases[0]!, count, agentd: agentdPath, outDir: join(out, `floor-${round}`), reaper });
        const sh = await session('sh', round);
        const agentd = await session('agentd', round);
        cost.floor.push(...floor);
        cost.sh.push(...sh);
        cost.agentd.push(...agentd);
        cost.byRound.push(median(agentd) / median(floor));
      }
      costs.push({ ...cost, runtime });
    }
  } finally {
    await reaper.reapAll();
  }
  return costs;
}

export async function p3(rounds: number, log: (line: string) => void, count = 20): Promise<Figure[]> {
  const costs = await measureCaseCost(['x86_64', 'arm64', 's390x'], rounds, count, log);
  return costs.map((c) => ({
    id: 'P3',
    what: `per case in a booted VM / the same container from /init (${c.arch})`,
    value: median(c.agentd) / median(c.floor),
    goal: { op: '<=' as const, value: 1.3 },
    detail: `agentd ${median(c.agentd).toFixed(0)} ms / floor ${median(c.floor).toFixed(0)} ms (agent.sh ${median(c.sh).toFixed(0)} ms; medians of ${c.agentd.length}; by round ${c.byRound.map((r) => r.toFixed(2)).join(' ')})`,
  }));
}
