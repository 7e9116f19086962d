import { describe, expect, it } from 'vitest';
import { longestFirst, planSessions, spreadSessions } from '../../../harness/plan/plan.js';
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

describe('spreadSessions', () => {
  const ids = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => c(`${prefix}${i + 1}`));
  const shape = (sessions: ReturnType<typeof planSessions>) => sessions.map((s) => [s.id, s.cases.map((x) => x.id)]);

  it('splits a lone shared session so every slot has one, the parts balanced and in case order', () => {
    const [one] = planSessions([{ arch: 'x86_64', cases: ids(6) }]);
    const durations = new Map([['c1', 900], ['c2', 100], ['c3', 100], ['c4', 800], ['c5', 100], ['c6', 100]]);
    const parts = spreadSessions([one!], 2, (_, x) => durations.get(x.id));
    expect(shape(parts)).toEqual([
      ['x86_64-0-0', ['c1', 'c3', 'c6']],
      ['x86_64-0-0-p2', ['c2', 'c4', 'c5']],
    ]);
    expect(parts.every((p) => p.mode === 'agent' && p.arch === 'x86_64' && p.repeat === 1)).toBe(true);
  });

  it('keeps a session whole when the slots are taken already, or its parts would be too small', () => {
    const sessions = planSessions([{ arch: 'x86_64', cases: [...ids(8), c('fresh', { freshMachine: true })] }]);
    expect(spreadSessions(sessions, 2)).toEqual(sessions);
    expect(shape(spreadSessions(planSessions([{ arch: 'x86_64', cases: ids(5) }]), 2))).toEqual([['x86_64-0-0', ['c1', 'c2', 'c3', 'c4', 'c5']]]);
    expect(spreadSessions(planSessions([{ arch: 'x86_64', cases: ids(24) }]), 1)).toHaveLength(1);
  });

  it('gives the extra slots to the longest sessions, never splitting a boot of its own', () => {
    const sessions = planSessions([
      { arch: 's390x', cases: ids(12, 's') },
      { arch: 'x86_64', cases: [...ids(6, 'x'), c('own', { imageRunsOwnTests: true })] },
    ]);
    const slow = (s: { arch: string }) => (s.arch === 's390x' ? 800 : 300);
    const spread = spreadSessions(sessions, 5, (s) => slow(s));
    expect(spread.map((s) => [s.arch, s.cases.length])).toEqual([['s390x', 4], ['s390x', 4], ['s390x', 4], ['x86_64', 6], ['x86_64', 1]]);
    expect(new Set(spread.map((s) => s.id)).size).toBe(spread.length);
  });
});
