import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AzureProvider, sizeArch } from '../../../../platforms/cloud/azure/azure-provider.js';
import { imageReference } from '../../../../platforms/cloud/azure/index.js';
import { announcedHostKey, FakeConnector, fakeCloudPlatform } from '../../../support/fake-cloud.js';
import { azureWorld, SAS_URL, type AzureWorldOptions } from './azure-world.js';

const hostKeyBlock = () => announcedHostKey();

const SUBNET = '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default';

function rig(world: AzureWorldOptions = {}, connector = new FakeConnector()) {
  const w = azureWorld(world);
  const provider = new AzureProvider(
    w.clients,
    { resourceGroup: 'harness-rg', location: 'westeurope', vmSize: 'Standard_B2s', image: imageReference('Canonical:ubuntu-24_04-lts:server:latest'), subnet: SUBNET, pollMs: 2 },
    'sub-1',
  );
  return { ...w, provider, connector, ...fakeCloudPlatform(provider, connector, { user: 'harness' }) };
}

const TAGS = { harness: '1', 'harness-run': '2026-12-01T09-00-00-000Z', 'harness-creator': 'tester@runner', 'harness-expires': expect.any(String), 'harness-session': 'x86_64-0-0' };

describe('the Azure provider', () => {
  it('makes a tagged NSG open to the runner only, IP, NIC and VM with the key in linuxConfiguration.ssh, streams boot diagnostics, and deletes all', async () => {
    const key = hostKeyBlock();
    const boot = '[    0.000000] Linux version 6.1.0\n';
    // The host key is printed only after the first read was answered, so the provider must read on.
    let reads = 0;
    const r = rig({ serial: () => (reads++ === 0 ? boot : boot + key.text) });
    const machine = await r.start();

    const vmName = [...r.created.keys()].find((n) => !/-(nsg|ip|nic)$/.test(n))!;
    expect(vmName).toMatch(/^harness-[0-9a-f]{8}-x86-64-0-0$/);
    expect(r.created.get(`${vmName}-nsg`)).toEqual({
      location: 'westeurope',
      tags: TAGS,
      securityRules: [
        {
          name: 'ssh-from-runner',
          protocol: 'Tcp',
          sourceAddressPrefix: '198.51.100.7/32',
          sourcePortRange: '*',
          destinationAddressPrefix: '*',
          destinationPortRange: '22',
          access: 'Allow',
          direction: 'Inbound',
          priority: 100,
        },
      ],
    });
    expect(r.created.get(`${vmName}-ip`)).toMatchObject({ tags: TAGS, sku: { name: 'Standard' } });
    expect(r.created.get(`${vmName}-nic`)).toMatchObject({ tags: TAGS, ipConfigurations: [{ subnet: { id: SUBNET } }] });
    expect(r.created.get(vmName)).toMatchObject({
      location: 'westeurope',
      tags: TAGS,
      hardwareProfile: { vmSize: 'Standard_B2s' },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }, osDisk: { name: `${vmName}-disk`, deleteOption: 'Delete' } },
      osProfile: {
        adminUsername: 'harness',
        linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/harness/.ssh/authorized_keys', keyData: expect.stringMatching(/^ssh-ed25519 AAAA/) }] } },
      },
      networkProfile: { networkInterfaces: [{ primary: true, deleteOption: 'Delete' }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    });
    expect(r.diskTags.mock.calls[0]!.slice(0, 3)).toEqual(['harness-rg', `${vmName}-disk`, { tags: TAGS }]);
    expect(r.diagnostics.mock.calls[0]).toEqual(['harness-rg', vmName, { sasUriExpirationTimeInMinutes: 60 }]);
    expect(r.connector.logins[0]).toMatchObject({ host: '192.0.2.99', user: 'harness', hostKeys: { kind: 'pinned', fingerprints: [key.fingerprint] } });
    const offsets = r.downloads.mock.calls.map((c) => c[0]);
    expect(offsets[0]).toBe(0);
    expect(Math.max(...(offsets as number[]))).toBeGreaterThan(0);
    expect(readFileSync(join(r.outDir, 'x86_64-0-0.console.log'), 'utf8').match(/Linux version/g)).toHaveLength(1);

    await machine.end('done');
    expect(r.live.size).toBe(0);
    expect(r.deleted).toEqual([vmName, `${vmName}-disk`, `${vmName}-nic`, `${vmName}-ip`, `${vmName}-nsg`]);
    expect(machine.diagnostics()).not.toContain('SECRETSIGNATURE');
    await r.reaper.reapAll();
  });

  it('deletes the network pieces when the VM create fails, and everything when it never runs or SSH fails', async () => {
    const failing = rig({ vmFails: true });
    await expect(failing.start()).rejects.toThrow(/quota for Standard_B2s exceeded; all 5 resource\(s\) gone/);
    expect(failing.live.size).toBe(0);
    expect(failing.deleted).toHaveLength(3);

    const stuck = rig({ neverRuns: true });
    await expect(stuck.start()).rejects.toThrow(/was not running within/);
    expect(stuck.live.size).toBe(0);

    const mismatch = rig({ serial: () => hostKeyBlock().text }, new FakeConnector({ mismatch: true }));
    await expect(mismatch.start()).rejects.toThrow(/host key mismatch/);
    expect(mismatch.live.size).toBe(0);
  });

  it('keeps the serial log URI out of every message', async () => {
    const r = rig({ serial: () => 'x' });
    r.downloads.mockRejectedValue(Object.assign(new Error(`connect ECONNRESET while reading ${SAS_URL}`), { statusCode: 500 }));
    const failed = await r.start().catch((error: unknown) => String(error));
    expect(failed).toMatch(/no SSH host keys/);
    expect(failed).toContain('console: ');
    expect(failed).not.toContain('SECRETSIGNATURE');
  });

  it('reads images and sizes as Azure names them', () => {
    expect(imageReference('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/linuxkit')).toEqual({ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/linuxkit' });
    expect(() => imageReference('ubuntu')).toThrow(expect.objectContaining({ where: '--azure-image' }));
    expect(sizeArch('Standard_D2ps_v5')).toBe('arm64');
    expect(sizeArch('Standard_B2pts_v2')).toBe('arm64');
    expect(sizeArch('Standard_D2s_v5')).toBe('x86_64');
    expect(sizeArch('Standard_B2s')).toBe('x86_64');
  });
});
