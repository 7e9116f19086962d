import type { GcTarget, ResourceKind, TaggedResource } from '../core/gc.js';
import { readTags } from '../core/tags.js';
import { ignoreNotFound, type AzureClients } from './azure-clients.js';

const GROUP = /\/resourceGroups\/([^/]+)\//i;

interface Listed {
  id?: string;
  name?: string;
  tags?: Record<string, string>;
}

/**
 * The subscription's harness VMs, disks, NICs, public IPs and NSGs (within one resource group
 * when named), found by their tags.
 */
export function azureGcTarget(clients: AzureClients, resourceGroup?: string): GcTarget {
  const { compute, network } = clients;
  const sources: [ResourceKind, () => AsyncIterable<Listed>][] = [
    ['instance', () => compute.virtualMachines.listAll()],
    ['disk', () => compute.disks.list()],
    ['network interface', () => network.networkInterfaces.listAll()],
    ['public IP', () => network.publicIPAddresses.listAll()],
    ['firewall', () => network.networkSecurityGroups.listAll()],
  ];
  return {
    provider: 'azure',
    async list() {
      const found: TaggedResource[] = [];
      for (const [kind, list] of sources) {
        for await (const item of list()) {
          const tags = readTags(item.tags);
          const group = GROUP.exec(item.id ?? '')?.[1];
          if (!tags || !item.name || !group) continue;
          if (resourceGroup && group.toLowerCase() !== resourceGroup.toLowerCase()) continue;
          found.push({ kind, id: item.name, where: group, tags });
        }
      }
      return found;
    },
    async remove(r) {
      const group = r.where!;
      const deleting =
        r.kind === 'instance'
          ? compute.virtualMachines.beginDeleteAndWait(group, r.id, { forceDeletion: true })
          : r.kind === 'disk'
            ? compute.disks.beginDeleteAndWait(group, r.id)
            : r.kind === 'network interface'
              ? network.networkInterfaces.beginDeleteAndWait(group, r.id)
              : r.kind === 'public IP'
                ? network.publicIPAddresses.beginDeleteAndWait(group, r.id)
                : network.networkSecurityGroups.beginDeleteAndWait(group, r.id);
      await deleting.catch(ignoreNotFound);
    },
  };
}
