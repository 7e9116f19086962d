import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GcpProvider } from '../../../../platforms/cloud/gcp/gce-provider.js';
import { imagePath } from '../../../../platforms/cloud/gcp/index.js';
import { announcedHostKey, FakeConnector, fakeCloudPlatform } from '../../../support/fake-cloud.js';
import { gcpWorld, type GcpWorldOptions } from './gcp-world.js';

const hostKey = () => {
  const key = announcedHostKey();
  return { ...key, block: key.keysText };
};

function rig(world: GcpWorldOptions = {}, connector = new FakeConnector(), trustOnFirstUse = false) {
  const w = gcpWorld(world);
  const provider = new GcpProvider(w.clients, { project: 'harness-ci', zone: 'europe-west1-b', machineType: 'e2-small', image: 'projects/harness-ci/global/images/linuxkit', network: 'default', pollMs: 2 });
  return { ...w, provider, connector, ...fakeCloudPlatform(provider, connector, { lifetimeMs: 30 * 60_000, trustOnFirstUse }) };
}

const LABELS = {
  harness: '1',
  'harness-run': '2026-12-01t09-00-00-000z',
  'harness-creator': 'tester-runner',
  'harness-expires': expect.stringMatching(/^\d{8}t\d{6}z$/),
  'harness-session': 'x86_64-0-0',
};

describe('the GCP provider', () => {
  it('opens tcp/22 to the runner only, labels the instance, puts the key in ssh-keys, reads serial port 1 from its offset, and deletes all', async () => {
    const key = hostKey();
    const boot = '[    0.000000] Linux version 6.1.0\n';
    // The host key is printed only after the first read was answered, so the provider must read on.
    let reads = 0;
    const r = rig({ serial: () => (reads++ === 0 ? boot : boot + key.block) });
    const machine = await r.start();

    const firewall = r.firewallInserts.mock.calls[0]![0] as { firewallResource: Record<string, unknown> };
    const name = (firewall.firewallResource.targetTags as string[])[0]!;
    expect(name).toMatch(/^harness-[0-9a-f]{8}-x86-64-0-0$/);
    expect(firewall).toEqual({
      project: 'harness-ci',
      firewallResource: {
        name: `${name}-ssh`,
        description: expect.stringContaining('"harness":"1"'),
        network: 'projects/harness-ci/global/networks/default',
        direction: 'INGRESS',
        priority: 1000,
        sourceRanges: ['198.51.100.7/32'],
        targetTags: [name],
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
      },
    });
    expect(JSON.parse(firewall.firewallResource.description as string)).toMatchObject({ 'harness-run': '2026-12-01T09-00-00-000Z', 'harness-session': 'x86_64-0-0' });

    const insert = r.instanceInserts.mock.calls[0]![0] as { instanceResource: Record<string, any> };
    const vm = insert.instanceResource;
    expect(vm).toMatchObject({
      name,
      machineType: 'zones/europe-west1-b/machineTypes/e2-small',
      labels: LABELS,
      tags: { items: [name] },
      disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/harness-ci/global/images/linuxkit', labels: LABELS } }],
      networkInterfaces: [{ network: 'projects/harness-ci/global/networks/default', accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }],
      scheduling: { maxRunDuration: { seconds: 1800 }, instanceTerminationAction: 'DELETE' },
    });
    const metadata = Object.fromEntries((vm.metadata.items as { key: string; value: string }[]).map((i) => [i.key, i.value]));
    expect(metadata).toEqual({ 'ssh-keys': expect.stringMatching(/^root:ssh-ed25519 AAAA\S+ harness-[0-9a-f]{8}$/), 'block-project-ssh-keys': 'TRUE', 'enable-guest-attributes': 'TRUE' });

    expect(r.connector.logins[0]).toMatchObject({ host: '192.0.2.77', user: 'root', hostKeys: { kind: 'pinned', fingerprints: [key.fingerprint] } });
    const starts = r.serialReads.mock.calls.map((c) => (c[0] as { start: number; port: number }).start);
    expect(starts[0]).toBe(0);
    expect(Math.max(...starts)).toBeGreaterThan(0);
    expect(r.serialReads.mock.calls[0]![0]).toMatchObject({ project: 'harness-ci', zone: 'europe-west1-b', instance: name, port: 1 });
    const log = readFileSync(join(r.outDir, 'x86_64-0-0.console.log'), 'utf8');
    expect(log.match(/Linux version/g)).toHaveLength(1);

    await machine.end('done');
    expect(r.live.size).toBe(0);
    expect(r.deleted).toEqual([`instance ${name}`, `firewall ${name}-ssh`]);
    await r.reaper.reapAll();
  });

  it('pins the host keys the guest agent published as guest attributes', async () => {
    const key = hostKey();
    const r = rig({ guestAttributes: [{ key: 'ssh-ed25519', value: key.base64 }, { key: 'ssh-rsa', value: 'AAAAnot-a-key' }] });
    const machine = await r.start();
    expect(r.connector.logins[0]!.hostKeys).toEqual({ kind: 'pinned', fingerprints: [key.fingerprint] });
    await machine.end('done');
  });

  it('deletes the firewall rule when the instance insert fails, and everything when the instance never runs', async () => {
    const failing = rig({ insertFails: 'instance' });
    await expect(failing.start()).rejects.toThrow(/Quota 'CPUS' exceeded; all \d resource\(s\) gone/);
    expect(failing.live.size).toBe(0);
    expect(failing.deleted).toEqual([expect.stringMatching(/^firewall harness-.*-ssh$/)]);

    const stuck = rig({ neverRuns: true });
    await expect(stuck.start()).rejects.toThrow(/was not running within/);
    expect(stuck.live.size).toBe(0);
    expect(stuck.deleted).toHaveLength(2);
  });

  it('deletes everything when no host key can be verified, or SSH fails', async () => {
    const unverified = rig({ serial: () => 'no keys here\n' });
    await expect(unverified.start()).rejects.toThrow(/no SSH host keys .* or publish them as guest attributes \(hostkeys\/\); or pass --trust-on-first-use/);
    expect(unverified.live.size).toBe(0);
    const mismatch = rig({ serial: () => hostKey().block }, new FakeConnector({ mismatch: true }));
    await expect(mismatch.start()).rejects.toThrow(/host key mismatch/);
    expect(mismatch.live.size).toBe(0);
  });

  it('names images by path, and checks the image before anything is made', async () => {
    expect(imagePath('linuxkit', 'p')).toBe('projects/p/global/images/linuxkit');
    expect(imagePath('projects/debian-cloud/global/images/family/debian-12', 'p')).toBe('projects/debian-cloud/global/images/family/debian-12');
    const r = rig({ architecture: 'ARM64' });
    expect(await r.provider.probe()).toMatchObject({ arch: 'arm64', fingerprint: { provider: 'gcp', instanceType: 'e2-small' } });
    expect(r.imageGets.mock.calls[0]![0]).toEqual({ project: 'harness-ci', image: 'linuxkit' });
  });
});
