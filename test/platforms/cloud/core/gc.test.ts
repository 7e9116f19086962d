import { describe, expect, it } from 'vitest';
import { chooseGarbage, collectGarbage, type GcTarget, type TaggedResource } from '../../../../platforms/cloud/core/gc.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const at = (iso: string) => new Date(iso);
function res(kind: TaggedResource['kind'], id: string, run: string, expires: string): TaggedResource {
  return { kind, id, tags: { run, creator: 'ci@runner', expires: at(expires) } };
}

const EXPIRED_RUN = [res('key pair', 'k-old', 'old', '2026-12-01T11:00:00Z'), res('instance', 'i-old', 'old', '2026-12-01T11:00:00Z'), res('firewall', 'sg-old', 'old', '2026-12-01T11:00:00Z')];
// A live run: one resource is past its own expiry, another is not.
const LIVE_RUN = [res('instance', 'i-live', 'live', '2026-12-01T13:00:00Z'), res('key pair', 'k-live', 'live', '2026-12-01T11:30:00Z')];
const DEAD_RUN = [res('instance', 'i-dead', 'dead-run', '2026-12-01T13:00:00Z')];

function target(resources: TaggedResource[], failing?: string): GcTarget & { removed: string[] } {
  const removed: string[] = [];
  return {
    provider: 'test',
    removed,
    list: async () => resources,
    remove: async (r) => {
      if (r.id === failing) throw new Error('DependencyViolation: still in use');
      removed.push(r.id);
    },
  };
}

describe('cloud gc', () => {
  it('deletes expired runs and the named dead run, instances first, and never a live run’s', () => {
    const { doomed, kept } = chooseGarbage([...EXPIRED_RUN, ...LIVE_RUN, ...DEAD_RUN], { run: 'dead-run', now: NOW });
    expect(doomed.map((r) => r.id)).toEqual(['i-old', 'i-dead', 'sg-old', 'k-old']);
    expect(kept.map((r) => r.id)).toEqual(['i-live', 'k-live']);
  });

  it('takes the run named in either form (a GCP label is the lower-cased id)', () => {
    const labelled = [res('instance', 'vm', '2026-12-01t09-00-00-000z', '2026-12-01T13:00:00Z')];
    expect(chooseGarbage(labelled, { run: '2026-12-01T09-00-00-000Z', now: NOW }).doomed).toHaveLength(1);
    expect(chooseGarbage(labelled, { now: NOW }).doomed).toHaveLength(0);
  });

  it('prints what it deletes, and the same as "would delete" on a dry run that deletes nothing', async () => {
    const lines: string[] = [];
    const dry = target([...EXPIRED_RUN, ...LIVE_RUN]);
    await collectGarbage(dry, { dryRun: true, now: NOW, print: (l) => lines.push(l) });
    expect(dry.removed).toEqual([]);
    const wet = target([...EXPIRED_RUN, ...LIVE_RUN]);
    const wetLines: string[] = [];
    const report = await collectGarbage(wet, { dryRun: false, now: NOW, print: (l) => wetLines.push(l) });
    expect(wet.removed).toEqual(['i-old', 'sg-old', 'k-old']);
    expect(report.deleted).toHaveLength(3);
    expect(lines.map((l) => l.replace(/^would delete/, 'deleted'))).toEqual(wetLines);
    expect(wetLines[0]).toBe('deleted test instance i-old (run old by ci@runner, expires 2026-12-01T11:00:00.000Z)');
    expect(wetLines.at(-1)).toBe('test: left 2 resource(s) of 1 live run(s): live');
  });

  it('goes on past a resource it cannot delete, and reports it', async () => {
    const lines: string[] = [];
    const t = target(EXPIRED_RUN, 'sg-old');
    const report = await collectGarbage(t, { dryRun: false, now: NOW, print: (l) => lines.push(l) });
    expect(t.removed).toEqual(['i-old', 'k-old']);
    expect(report.failed).toEqual([{ resource: EXPIRED_RUN[2], error: 'DependencyViolation: still in use' }]);
    expect(lines).toContain('could not delete test firewall sg-old (run old by ci@runner, expires 2026-12-01T11:00:00.000Z): DependencyViolation: still in use');
  });
});
