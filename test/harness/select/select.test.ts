import { describe, expect, it } from 'vitest';
import { parseShard, selectCases, type CaseFilter } from '../../../harness/select/select.js';
import { UsageError } from '../../../harness/model/errors.js';
import type { CaseDef } from '../../../harness/model/types.js';

function def(id: string, fields: Partial<CaseDef> = {}): CaseDef {
  return {
    id,
    dir: `/cases/${id}`,
    file: `/cases/${id}/case.yaml`,
    name: id,
    summary: `summary of ${id}`,
    labels: [],
    arch: ['x86_64', 'arm64', 's390x'],
    platforms: ['qemu', 'ssh', 'cloud', 'board'],
    timeoutMs: 60_000,
    freshMachine: false,
    imageRunsOwnTests: false, result: 'tap',
    privileged: false,
    capabilities: [],
    containers: [],
    files: [],
    ...fields,
  };
}

const qemu: CaseFilter = { targets: [{ name: 'qemu:x86_64', kind: 'qemu', arch: 'x86_64' }] };

function ids(cases: CaseDef[], filter: CaseFilter): string[] {
  return selectCases(cases, filter).selected.map((s) => s.case.id);
}

describe('selectCases', () => {
  it('selects each case once per platform whose kind and arch it allows, and says why the others are out', () => {
    const both = def('both');
    const s390 = def('s390-only', { arch: ['s390x'] });
    const sshOnly = def('ssh-only', { platforms: ['ssh'] });
    const x86 = { name: 'qemu:x86_64', kind: 'qemu', arch: 'x86_64' } as const;
    const s390x = { name: 'qemu:s390x', kind: 'qemu', arch: 's390x' } as const;
    const host = { name: 'ssh:root@h:22', kind: 'ssh', arch: 'arm64' } as const;
    const result = selectCases([both, s390, sshOnly], { targets: [x86, s390x, host] });
    expect(result.selected).toEqual([
      { case: both, target: x86 },
      { case: both, target: s390x },
      { case: both, target: host },
      { case: s390, target: s390x },
      { case: sshOnly, target: host },
    ]);
    expect(result.skipped).toEqual([
      { caseId: 's390-only', platform: 'qemu:x86_64', reason: 'arch x86_64 not in [s390x]' },
      { caseId: 's390-only', platform: 'ssh:root@h:22', reason: 'arch arm64 not in [s390x]' },
      { caseId: 'ssh-only', platform: 'qemu:x86_64', reason: 'platform qemu not in [ssh]' },
      { caseId: 'ssh-only', platform: 'qemu:s390x', reason: 'platform qemu not in [ssh]' },
    ]);
  });

  it('selects every case of its kind for a host of unknown arch, so each reports why it could not run', () => {
    const host = { name: 'ssh:root@gone:22', kind: 'ssh', arch: 'unknown' } as const;
    const result = selectCases([def('a', { arch: ['s390x'] })], { targets: [host] });
    expect(result.selected).toEqual([{ case: expect.objectContaining({ id: 'a' }), target: host }]);
  });

  it('matches --grep case-insensitively against id, name and summary', () => {
    const cases = [
      def('net-lo'),
      def('x1', { name: 'Loopback-Name' }),
      def('x2', { summary: 'checks the LOOPBACK device' }),
      def('other'),
    ];
    const result = selectCases(cases, { ...qemu, grep: 'loop|^net' });
    expect(result.selected.map((s) => s.case.id)).toEqual(['net-lo', 'x1', 'x2']);
    expect(result.skipped).toEqual([{ caseId: 'other', reason: 'does not match --grep "loop|^net"' }]);
  });

  it('rejects an invalid --grep', () => {
    expect(() => selectCases([def('a')], { ...qemu, grep: '(' })).toThrow(UsageError);
    expect(() => selectCases([def('a')], { ...qemu, grep: '(' })).toThrow(/^--grep: invalid regular expression "\(": /);
  });

  it('keeps cases carrying one of the wanted labels', () => {
    const cases = [def('net', { labels: ['net'] }), def('smoke', { labels: ['smoke', 'fast'] }), def('none')];
    const result = selectCases(cases, { ...qemu, labels: ['net', 'fast'] });
    expect(result.selected.map((s) => s.case.id)).toEqual(['net', 'smoke']);
    expect(result.skipped).toEqual([{ caseId: 'none', reason: 'has none of the labels net, fast' }]);
  });

  it('drops cases carrying an excluded label, even when they carry a wanted one', () => {
    const cases = [def('slow-net', { labels: ['net', 'slow'] }), def('net', { labels: ['net'] }), def('plain')];
    expect(ids(cases, { ...qemu, labels: ['!slow'] })).toEqual(['net', 'plain']);
    const result = selectCases(cases, { ...qemu, labels: ['net', '!slow'] });
    expect(result.selected.map((s) => s.case.id)).toEqual(['net']);
    expect(result.skipped).toEqual([
      { caseId: 'slow-net', reason: 'label slow is excluded by --label !slow' },
      { caseId: 'plain', reason: 'has none of the labels net' },
    ]);
  });

  it('leaves fails-on-purpose out unless it is asked for by name', () => {
    const cases = [def('fails', { labels: ['fails-on-purpose', 'tap'] }), def('tap', { labels: ['tap'] })];
    const reason = 'label fails-on-purpose is excluded by default; pass --label fails-on-purpose';
    expect(selectCases(cases, qemu).skipped).toEqual([{ caseId: 'fails', reason }]);
    expect(selectCases(cases, { ...qemu, labels: ['tap'] }).skipped).toEqual([{ caseId: 'fails', reason }]);
    expect(ids(cases, { ...qemu, labels: ['fails-on-purpose'] })).toEqual(['fails']);
    expect(ids(cases, { ...qemu, labels: ['tap', 'fails-on-purpose'] })).toEqual(['fails', 'tap']);
  });

  it.each([
    [[''], '--label: "" names no label'],
    [['!'], '--label: "!" names no label'],
    [['net', '!net'], '--label: net is both wanted and excluded (!net)'],
  ])('rejects the labels %j', (labels, message) => {
    expect(() => selectCases([def('a')], { ...qemu, labels })).toThrow(message);
  });

  it('reports the first reason only, grep before labels before platform before shard', () => {
    const odd = def('odd', { labels: ['slow'], platforms: ['ssh'] });
    expect(selectCases([odd], { ...qemu, grep: 'zzz', labels: ['!slow'] }).skipped).toEqual([
      { caseId: 'odd', reason: 'does not match --grep "zzz"' },
    ]);
    expect(selectCases([odd], { ...qemu, labels: ['!slow'] }).skipped).toEqual([
      { caseId: 'odd', reason: 'label slow is excluded by --label !slow' },
    ]);
  });
});

describe('sharding', () => {
  const cases = Array.from({ length: 40 }, (_, i) => def(`case-${i}`));

  it('puts every case in exactly one shard', () => {
    const total = 3;
    const shards = [1, 2, 3].map((index) => ids(cases, { ...qemu, shard: { index, total } }));
    expect(shards.flat().sort()).toEqual(cases.map((c) => c.id).sort());
    for (const shard of shards) expect(shard.length).toBeGreaterThan(0);
  });

  it('names the shard a case is in when it is skipped', () => {
    const skipped = selectCases(cases, { ...qemu, shard: { index: 1, total: 3 } }).skipped;
    expect(skipped.length).toBeGreaterThan(0);
    for (const { caseId, reason } of skipped) {
      const home = [2, 3].find((index) => ids(cases, { ...qemu, shard: { index, total: 3 } }).includes(caseId));
      expect(reason).toBe(`in shard ${home}/3`);
    }
  });

  it('is a function of the case id alone', () => {
    const inFull = ids(cases, { ...qemu, shard: { index: 2, total: 4 } });
    const subset = cases.filter((_, i) => i % 3 === 0);
    expect(ids(subset, { ...qemu, shard: { index: 2, total: 4 } })).toEqual(
      inFull.filter((id) => subset.some((c) => c.id === id)),
    );
    expect(ids([...cases].reverse(), { ...qemu, shard: { index: 2, total: 4 } })).toEqual([...inFull].reverse());
  });

  it('keeps known cases in known shards', () => {
    // FNV-1a, pinned so a change of hash, which would reshuffle every CI shard, is a deliberate one:
    // ns-pid1 0xdfce0fdd is odd, cgroups 0x0dfeb9a2 and uname-arch 0x0c47bda2 are even.
    const pinned = [def('ns-pid1'), def('cgroups'), def('uname-arch')];
    expect(ids(pinned, { ...qemu, shard: { index: 1, total: 2 } })).toEqual(['cgroups', 'uname-arch']);
    expect(ids(pinned, { ...qemu, shard: { index: 2, total: 2 } })).toEqual(['ns-pid1']);
  });

  it('balances shards by past durations, longest first, when the history knows them', () => {
    // One long case and many short ones: by count the long one's shard would take four times as long.
    const durations = new Map(cases.map((c, i) => [c.id, i === 7 ? 60_000 : 2_000]));
    const time = (index: number) => ids(cases, { ...qemu, shard: { index, total: 3 }, durations }).reduce((t, id) => t + durations.get(id)!, 0);
    const totals = [1, 2, 3].map(time);
    expect(totals.reduce((a, b) => a + b)).toBe(60_000 + 39 * 2_000);
    // The long case's shard gets nothing else; the short ones split evenly over the other two.
    const sorted = [...totals].sort((a, b) => b - a);
    expect(sorted[0]).toBe(60_000);
    expect(sorted[1]! - sorted[2]!).toBeLessThanOrEqual(2_000);
    const all = [1, 2, 3].flatMap((index) => ids(cases, { ...qemu, shard: { index, total: 3 }, durations }));
    expect(all.sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it('gives every runner the same balanced answer, whatever order it found the cases in', () => {
    const durations = new Map(cases.map((c, i) => [c.id, 1000 + ((i * 37) % 11) * 500]));
    const forward = ids(cases, { ...qemu, shard: { index: 2, total: 3 }, durations });
    expect(ids([...cases].reverse(), { ...qemu, shard: { index: 2, total: 3 }, durations }).sort()).toEqual([...forward].sort());
  });

  it('selects everything with one shard', () => {
    expect(ids(cases, { ...qemu, shard: { index: 1, total: 1 } })).toHaveLength(40);
  });

  it.each([
    [{ index: 0, total: 3 }, '--shard: the shard index must be from 1 to 3, got 0'],
    [{ index: 4, total: 3 }, '--shard: the shard index must be from 1 to 3, got 4'],
    [{ index: 1, total: 0 }, '--shard: the shard count must be at least 1, got 0'],
    [{ index: 1.5, total: 3 }, '--shard: the shard index must be from 1 to 3, got 1.5'],
  ])('rejects the shard %j', (shard, message) => {
    expect(() => selectCases(cases, { ...qemu, shard })).toThrow(message);
  });
});

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
    expect(parseShard(' 1/1 ')).toEqual({ index: 1, total: 1 });
  });

  it.each([
    ['', '--shard: "" is not i/n, e.g. 2/3'],
    ['2', '--shard: "2" is not i/n, e.g. 2/3'],
    ['a/b', '--shard: "a/b" is not i/n, e.g. 2/3'],
    ['-1/3', '--shard: "-1/3" is not i/n, e.g. 2/3'],
    ['1/3/4', '--shard: "1/3/4" is not i/n, e.g. 2/3'],
    ['0/3', '--shard: the shard index must be from 1 to 3, got 0'],
    ['4/3', '--shard: the shard index must be from 1 to 3, got 4'],
    ['1/0', '--shard: the shard count must be at least 1, got 0'],
  ])('rejects %j', (text, message) => {
    expect(() => parseShard(text)).toThrow(new UsageError('--shard', message.slice('--shard: '.length)));
  });
});
