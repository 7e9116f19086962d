import type { GcTarget, TaggedResource } from '../core/gc.js';
import { readTags } from '../core/tags.js';
import { ignoreNotFound, settle, type GcpClients } from './gcp-clients.js';

const LABELLED = 'labels.harness = "1"';

/** A firewall rule's tags, from the JSON in its description (rules take no labels). */
function firewallTags(description: string | null | undefined) {
  try {
    return readTags(JSON.parse(description ?? '') as Record<string, string>);
  } catch {
    return undefined;
  }
}

/** The project's harness instances, disks (in every zone) and firewall rules. */
export function gceGcTarget(clients: GcpClients, project: string): GcTarget {
  return {
    provider: 'gcp',
    async list() {
      const found: TaggedResource[] = [];
      for await (const [scope, list] of clients.instances.aggregatedListAsync({ project, filter: LABELLED })) {
        for (const i of list.instances ?? []) {
          const tags = readTags(i.labels as Record<string, string>);
          if (tags && i.name) found.push({ kind: 'instance', id: i.name, where: scope.replace(/^zones\//, ''), tags });
        }
      }
      for await (const [scope, list] of clients.disks.aggregatedListAsync({ project, filter: LABELLED })) {
        for (const d of list.disks ?? []) {
          const tags = readTags(d.labels as Record<string, string>);
          if (tags && d.name) found.push({ kind: 'disk', id: d.name, where: scope.replace(/^zones\//, ''), tags });
        }
      }
      for await (const rule of clients.firewalls.listAsync({ project, filter: 'name eq "harness-.*"' })) {
        const tags = firewallTags(rule.description);
        if (tags && rule.name) found.push({ kind: 'firewall', id: rule.name, tags });
      }
      return found;
    },
    async remove(r) {
      const zone = r.where ?? '';
      const started: Promise<[{ latestResponse?: unknown }, ...unknown[]]> =
        r.kind === 'instance'
          ? clients.instances.delete({ project, zone, instance: r.id })
          : r.kind === 'disk'
            ? clients.disks.delete({ project, zone, disk: r.id })
            : clients.firewalls.delete({ project, firewall: r.id });
      const [operation] = await started.catch((error: unknown) => {
        ignoreNotFound(error);
        return [undefined];
      });
      if (operation) await settle(clients, operation, project, `deleting ${r.kind} ${r.id}`);
    },
  };
}
