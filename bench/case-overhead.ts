/**
 * Per-case cost inside a booted VM, side by side per architecture: one boot runs N trivial cases (a
 * two-line TAP stream) with agent.sh alone, one with the compiled agent, and a third starts the same
 * container with the same isolation straight from /init (bench/floor.ts), the floor a case cannot go
 * below. The three take turns for --rounds rounds, so a neighbour's load on a shared host falls on
 * all of them alike. Prints medians over every case, each agent's ratio to the floor (the goal: 1.3
 * at most), and that ratio round by round, where a burst of load on the host shows as one odd round.
 *
 *   npx tsx bench/case-overhead.ts [--cases 20] [--rounds 3] [--platform qemu]
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAgentd } from '../fixtures/agentd.js';
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
import { measureFloor } from './floor.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' }, platform: { type: 'string', default: 'qemu' } } });
const count = Number(values.cases);
const rounds = Number(values.rounds);
if (!Number.isInteger(count) || count < 5) throw new Error('--cases: at least 5, for medians worth the name');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a whole number from 1');
const arches = parseArches(values.platform!);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function trivialCases(root: string, n: number): Promise<CaseDef[]> {
  const cases: CaseDef[] = [];
  for (let i = 0; i < n; i++) {
    const id = `noop-${i}`;
    const dir = join(root, id);
    await mkdir(join(dir, 'files'), { recursive: true });
    await writeFile(join(dir, 'files', 'test.sh'), 'echo 1..1\necho ok 1 - noop\n');
    cases.push({
      id, dir, file: join(dir, 'case.yaml'), name: id, summary: 'noop', labels: [], arch: [...arches], platforms: ['qemu'],
      timeoutMs: 60_000, freshMachine: false, imageRunsOwnTests: false, privileged: false, capabilities: [], files: ['test.sh'],
      containers: [{ name: 'c', rootfs: 'base', run: ['/bin/sh', '/case/test.sh'], env: {} }],
    });
  }
  return cases;
}

await buildFixtures({ arches, log: () => {} });
const agents = await ensureAgentd(arches, { log: (line) => console.error(line) });
const root = await mkdtemp(join(tmpdir(), 'harness-bench-'));
const cases = await trivialCases(root, count);
const reaper = new Reaper();
const slots = new Slots(1);
const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(13))).join('');
console.log(`per-case cost, ${count} trivial cases per boot, ${rounds} round(s) (medians, ms)`);
console.log(row(['arch', 'floor', 'agent.sh', 'agentd', 'sh/floor', 'agentd/floor', 'runtime']));
for (const arch of arches as Arch[]) {
  const platform = createQemuPlatform(arch, { reaper, cacheDir: join(process.cwd(), '.cache'), slots });
  const image = await openImage(fixturePrefix(arch, 'harness'), 'fixtures');
  const caps = await platform.probe(image);
  const out = join(root, arch);
  await mkdir(out, { recursive: true });
  let runtime = '?';
  const session = async (agent: 'sh' | 'agentd', round: number) => {
    const agentd = agent === 'agentd' ? agents[arch]?.path : undefined;
    if (agent === 'agentd' && !agentd) throw new Error(`${arch}: no compiled agent (run: harness setup)`);
    const { results, boot } = await runSession(
      { id: `bench-${arch}-${agent}-${round}`, target: 0, arch, mode: 'agent', cases, repeat: 1 },
      { platform, accel: caps.accel, image, rootfs: [], ...(agentd && { agentd }), outDir: out, reporter: {}, timeouts: DEFAULT_TIMEOUTS, stopped: () => reaper.stopped, signal: reaper.signal, secrets: [] },
    );
    const failed = results.filter((r) => r.outcome !== 'pass');
    if (failed.length) throw new Error(`${arch} (${agent}): ${failed.length} noop cases did not pass: ${failed[0]!.reason}`);
    if (boot.guest?.agent !== agent) throw new Error(`${arch}: asked for ${agent}, the guest ran ${boot.guest?.agent}`);
    runtime = boot.guest.runtime;
    return results.map((r) => r.durationMs);
  };
  const byRound: { floor: number[]; sh: number[]; agentd: number[] }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const floor = await measureFloor({ platform, accel: caps.accel, image, arch, noop: cases[0]!, count, outDir: join(out, `floor-${round}`), reaper });
    byRound.push({ floor, sh: await session('sh', round), agentd: await session('agentd', round) });
  }
  const all = (key: 'floor' | 'sh' | 'agentd') => median(byRound.flatMap((r) => r[key]));
  const [floor, sh, agentd] = [all('floor'), all('sh'), all('agentd')];
  console.log(row([arch, floor.toFixed(0), sh.toFixed(0), agentd.toFixed(0), (sh / floor).toFixed(2), (agentd / floor).toFixed(2), runtime]));
  console.log(`${''.padEnd(8)}agentd/floor by round: ${byRound.map((r) => (median(r.agentd) / median(r.floor)).toFixed(2)).join(' ')}`);
}
await reaper.reapAll();
