import { describe, expect, it, vi } from 'vitest';
import { azureGcTarget } from '../../../../platforms/cloud/azure/azure-gc.js';
import { collectGarbage } from '../../../../platforms/cloud/core/gc.js';
import { azureWorld } from './azure-world.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const tags = (run: string, expires: string) => ({ harness: '1', 'harness-run': run, 'harness-creator': 'ci@runner', 'harness-expires': expires });
const EXPIRED = tags('old', '2026-12-01T09:00:00.000Z');
const LIVE = tags('live', '2026-12-01T12:30:00.000Z');
const id = (rg: string, type: string, name: string) => `/subscriptions/s/resourceGroups/${rg}/providers/${type}/${name}`;

async function* pages<T>(...items: T[]) {
  yield* items;
}

describe('cloud gc on Azure', () => {
  it('deletes the expired run’s VM before its disk, NIC, IP and NSG, within the resource group named, by tag only', async () => {
    const { clients } = azureWorld();
    const { compute, network } = clients;
    vi.spyOn(compute.virtualMachines, 'listAll').mockReturnValue(
      pages(
        { id: id('harness-rg', 'Microsoft.Compute/virtualMachines', 'vm-old'), name: 'vm-old', tags: EXPIRED },
        { id: id('harness-rg', 'Microsoft.Compute/virtualMachines', 'vm-live'), name: 'vm-live', tags: LIVE },
        { id: id('harness-rg', 'Microsoft.Compute/virtualMachines', 'sql-prod'), name: 'sql-prod', tags: { owner: 'dba' } },
        { id: id('other-rg', 'Microsoft.Compute/virtualMachines', 'vm-other'), name: 'vm-other', tags: EXPIRED },
      ) as never,
    );
    vi.spyOn(compute.disks, 'list').mockReturnValue(pages({ id: id('harness-rg', 'Microsoft.Compute/disks', 'vm-old-disk'), name: 'vm-old-disk', tags: EXPIRED }) as never);
    vi.spyOn(network.networkInterfaces, 'listAll').mockReturnValue(pages({ id: id('HARNESS-RG', 'Microsoft.Network/networkInterfaces', 'vm-old-nic'), name: 'vm-old-nic', tags: EXPIRED }) as never);
    vi.spyOn(network.publicIPAddresses, 'listAll').mockReturnValue(pages({ id: id('harness-rg', 'Microsoft.Network/publicIPAddresses', 'vm-old-ip'), name: 'vm-old-ip', tags: EXPIRED }) as never);
    vi.spyOn(network.networkSecurityGroups, 'listAll').mockReturnValue(pages({ id: id('harness-rg', 'Microsoft.Network/networkSecurityGroups', 'vm-old-nsg'), name: 'vm-old-nsg', tags: EXPIRED }) as never);
    const order: string[] = [];
    for (const group of [compute.virtualMachines, compute.disks, network.networkInterfaces, network.publicIPAddresses, network.networkSecurityGroups]) {
      vi.spyOn(group, 'beginDeleteAndWait').mockImplementation((async (rg: string, name: string) => void order.push(`${rg}/${name}`)) as never);
    }
    await collectGarbage(azureGcTarget(clients, 'harness-rg'), { dryRun: false, now: NOW, print: () => {} });
    expect(order).toEqual(['harness-rg/vm-old', 'harness-rg/vm-old-disk', 'HARNESS-RG/vm-old-nic', 'harness-rg/vm-old-ip', 'harness-rg/vm-old-nsg']);
  });
});
