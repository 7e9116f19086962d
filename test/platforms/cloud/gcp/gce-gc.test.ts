import { describe, expect, it, vi } from 'vitest';
import { collectGarbage } from '../../../../platforms/cloud/core/gc.js';
import { gceGcTarget } from '../../../../platforms/cloud/gcp/gce-gc.js';
import { realClients } from './gcp-world.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const labels = (run: string, expires: string) => ({ harness: '1', 'harness-run': run, 'harness-creator': 'ci-runner', 'harness-expires': expires });
const EXPIRED = labels('2026-12-01t08-00-00-000z', '20261201t090000z');
const LIVE = labels('2026-12-01t11-30-00-000z', '20261201t123000z');

async function* pages<T>(...items: T[]) {
  yield* items;
}

describe('cloud gc on GCP', () => {
  it('lists by label in every zone and firewall rules by name, and deletes only the expired run’s', async () => {
    vi.restoreAllMocks();
    const c = realClients;
    const instanceList = vi.spyOn(c.instances, 'aggregatedListAsync').mockReturnValue(
      pages(
        ['zones/europe-west1-b', { instances: [{ name: 'harness-old-vm', labels: EXPIRED }, { name: 'harness-live-vm', labels: LIVE }, { name: 'web-1', labels: { env: 'prod' } }] }],
        ['zones/us-east1-c', { instances: [] }],
      ) as never,
    );
    const diskList = vi.spyOn(c.disks, 'aggregatedListAsync').mockReturnValue(pages(['zones/europe-west1-b', { disks: [{ name: 'harness-old-vm', labels: EXPIRED }] }]) as never);
    const firewallList = vi.spyOn(c.firewalls, 'listAsync').mockReturnValue(
      pages(
        { name: 'harness-old-vm-ssh', description: JSON.stringify({ harness: '1', 'harness-run': '2026-12-01T08-00-00-000Z', 'harness-expires': '2026-12-01T09:00:00.000Z' }) },
        { name: 'harness-lookalike', description: 'opens 443 for the web tier' },
      ) as never,
    );
    const done = [{ latestResponse: { name: 'op', status: 'DONE' } }];
    const deletes = {
      instances: vi.spyOn(c.instances, 'delete').mockResolvedValue(done as never),
      disks: vi.spyOn(c.disks, 'delete').mockResolvedValue(done as never),
      firewalls: vi.spyOn(c.firewalls, 'delete').mockResolvedValue(done as never),
    };
    const lines: string[] = [];
    await collectGarbage(gceGcTarget(c, 'harness-ci'), { dryRun: false, now: NOW, print: (l) => lines.push(l) });
    expect(instanceList.mock.calls[0]![0]).toEqual({ project: 'harness-ci', filter: 'labels.harness = "1"' });
    expect(diskList.mock.calls[0]![0]).toEqual({ project: 'harness-ci', filter: 'labels.harness = "1"' });
    expect(firewallList.mock.calls[0]![0]).toEqual({ project: 'harness-ci', filter: 'name eq "harness-.*"' });
    expect(deletes.instances.mock.calls.map((call) => call[0])).toEqual([{ project: 'harness-ci', zone: 'europe-west1-b', instance: 'harness-old-vm' }]);
    expect(deletes.disks.mock.calls.map((call) => call[0])).toEqual([{ project: 'harness-ci', zone: 'europe-west1-b', disk: 'harness-old-vm' }]);
    expect(deletes.firewalls.mock.calls.map((call) => call[0])).toEqual([{ project: 'harness-ci', firewall: 'harness-old-vm-ssh' }]);
    expect(lines.at(-1)).toBe('gcp: left 1 resource(s) of 1 live run(s): 2026-12-01t11-30-00-000z');
  });
});
