import { describe, expect, it } from 'vitest';
import { longestFirst, planSessions } from '../../../harness/plan/plan.js';
import type { CaseDef } from '../../../harness/model/types.js';

function c(id: string, extra: Partial<CaseDef> = {}): CaseDef {
  return {
    id, dir: `/c/${id}`, file: `/c/${id}/case.yaml`, name: id, summary: id, labels: [], arch: ['x86_64'], platforms: ['qemu'],
    timeoutMs: 1000, freshMachine: false, imageRunsOwnTests: false, result: 'tap', privileged: false, capabilities: [], containers: [], files: [], ...extra,
  };
}

describe('planSessions', () => {
  it('puts ordinary cases of a target into one boot and gives fresh-machine and self-testing cases their own', () => {
    const sessions = planSessions([
      { arch: 'x86_64', cases: [c('a'), c('fresh', { freshMachine: true }), c('b'), c('own', { imageRunsOwnTests: true })] },
      { arch: 'arm64', cases: [c('a')] },
    ]);
    expect(sessions.map((s) => [s.arch, s.mode, s.cases.map((x) => x.id)])).toEqual([
      ['x86_64', 'agent', ['a', 'b']],
      ['x86_64', 'agent', ['fresh']],
      ['x86_64', 'own-tests', ['own']],
      ['arm64', 'agent', ['a']],
    ]);
    expect(new Set(sessions.map((s) => s.id)).size).toBe(sessions.length);
    expect(sessions.map((s) => s.target)).toEqual([0, 0, 0, 1]);
  });

  it('gives a privileged case, or one asking for capabilities, a boot of its own', () => {
    const sessions = planSessions([
      { arch: 'x86_64', cases: [c('a'), c('priv', { privileged: true }), c('caps', { capabilities: ['CAP_NET_ADMIN'] }), c('b')] },
    ]);
    expect(sessions.map((s) => s.cases.map((x) => x.id))).toEqual([['a', 'b'], ['priv'], ['caps']]);
  });

  it('plans no boot for a target without cases', () => {
    expect(planSessions([{ arch: 's390x', cases: [] }])).toEqual([]);
  });
});

describe('longestFirst', () => {
  it('starts the sessions that take longest first, by past case durations, keeping the plan order for ties', () => {
    const sessions = planSessions([{ arch: 'x86_64', cases: [c('a'), c('b'), c('long', { freshMachine: true }), c('x', { freshMachine: true }), c('y', { freshMachine: true })] }]);
    const order = (d?: Map<string, number>) => longestFirst(sessions, d && ((_, c) => d.get(c.id))).map((s) => s.cases.map((x) => x.id).join('+'));
    expect(order()).toEqual(['a+b', 'long', 'x', 'y']);
    expect(order(new Map([['long', 60_000], ['a', 10]]))).toEqual(['long', 'a+b', 'x', 'y']);
  });

  it('weighs the same cases by what they took on each target', () => {
    const sessions = planSessions([{ arch: 'x86_64', cases: [c('a'), c('b')] }, { arch: 's390x', cases: [c('a'), c('b')] }]);
    const onTarget = [new Map([['a', 400], ['b', 500]]), new Map([['a', 800], ['b', 900]])];
    expect(longestFirst(sessions, (s, x) => onTarget[s.target]!.get(x.id)).map((s) => s.arch)).toEqual(['s390x', 'x86_64']);
  });
});
