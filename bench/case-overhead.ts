/**
 * Per-case cost inside a booted VM, per architecture, in detail: agent.sh alone, the compiled agent,
 * and the floor (bench/p3-case-cost.ts), with each agent's ratio to the floor (the goal: 1.3 at
 * most) and that ratio round by round.
 *
 *   npx tsx bench/case-overhead.ts [--cases 20] [--rounds 3] [--platform qemu]
 */
import { parseArgs } from 'node:util';
import { parseArches } from '../harness/cli/commands/platforms.js';
import { median } from './lib/measure.js';
import { measureCaseCost } from './p3-case-cost.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '20' }, rounds: { type: 'string', default: '3' }, platform: { type: 'string', default: 'qemu' } } });
const count = Number(values.cases);
const rounds = Number(values.rounds);
if (!Number.isInteger(count) || count < 5) throw new Error('--cases: at least 5, for medians worth the name');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a whole number from 1');

const costs = await measureCaseCost(parseArches(values.platform!), rounds, count, (line) => console.error(line));
const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(13))).join('');
console.log(`per-case cost, ${count} trivial cases per boot, ${rounds} round(s) (medians, ms)`);
console.log(row(['arch', 'floor', 'agent.sh', 'agentd', 'sh/floor', 'agentd/floor', 'runtime']));
for (const c of costs) {
  const [floor, sh, agentd] = [median(c.floor), median(c.sh), median(c.agentd)];
  console.log(row([c.arch, floor.toFixed(0), sh.toFixed(0), agentd.toFixed(0), (sh / floor).toFixed(2), (agentd / floor).toFixed(2), c.runtime]));
  console.log(`${''.padEnd(8)}agentd/floor by round: ${c.byRound.map((r) => r.toFixed(2)).join(' ')}`);
}
