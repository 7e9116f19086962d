import { fingerprintOf, type HostKey } from '../../../harness/console/host-key-block.js';
import { InfraError } from '../../../harness/model/errors.js';
import { blobKeyType } from '../../shared/ssh/known-hosts.js';
import { pollUntil } from '../core/poll.js';
import type { LaunchRequest, LaunchedInstance } from '../core/provider.js';
import { labelRecord, tagRecord } from '../core/tags.js';
import type { Teardown } from '../core/teardown.js';
import { gceConsole } from './gce-console.js';
import { ignoreNotFound, settle, type GcpClients } from './gcp-clients.js';

export interface GceTarget {
  project: string;
  zone: string;
  machineType: string;
  /** A full image path (`projects/P/global/images/I`, or `…/images/family/F`). */
  image: string;
  network: string;
  subnetwork?: string;
  pollMs: number;
}

/**
 * Firewall rules take no labels: the rule carries the harness's tags as JSON in its description,
 * which `cloud gc` reads back, and its name starts with `harness-`.
 */
export function firewallDescription(request: LaunchRequest): string {
  return JSON.stringify(tagRecord(request.tags));
}

const BASE64 = /^[A-Za-z0-9+/]{20,4000}={0,2}$/;

/** `hostkeys/<type>` guest attributes: the key blob, base64 (an OpenSSH line is taken too). */
function guestHostKeys(items: { key?: string | null; value?: string | null }[]): HostKey[] {
  return items.flatMap((item) => {
    const value = item.value?.trim().split(/\s+/);
    const base64 = value?.length === 1 ? value[0] : value?.[1];
    if (!item.key || !base64 || !BASE64.test(base64)) return [];
    const blob = Buffer.from(base64, 'base64');
    // A blob that names another type than its attribute is damaged or forged: it proves nothing.
    if (blobKeyType(blob) !== item.key) return [];
    return [{ type: item.key, fingerprint: fingerprintOf(blob), publicKey: `${item.key} ${base64}` }];
  });
}

/**
 * A firewall rule letting only the runner's /32 reach tcp/22 on this instance's network tag, then
 * the instance: labelled, the run key in its `ssh-keys` metadata, guest attributes on (so a guest
 * agent can publish its host keys), a boot disk deleted with it, and GCE itself deleting it at the
 * maximum lifetime.
 */
export async function launchGce(clients: GcpClients, target: GceTarget, request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
  const { project, zone } = target;
  const where = { project, zone, instance: request.name };
  const firewall = `${request.name}-ssh`;
  await teardown.create(
    `firewall rule ${firewall}`,
    async () => {
      const [operation] = await clients.firewalls.insert({
        project,
        firewallResource: {
          name: firewall,
          description: firewallDescription(request),
          network: `projects/${project}/global/networks/${target.network}`,
          direction: 'INGRESS',
          priority: 1000,
          sourceRanges: [request.runnerCidr],
          targetTags: [request.name],
          allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        },
      });
      await settle(clients, operation, project, `creating ${firewall}`, request.signal);
    },
    async () => {
      const [operation] = await clients.firewalls.delete({ project, firewall }).catch((error: unknown) => {
        ignoreNotFound(error);
        return [undefined];
      });
      if (operation) await settle(clients, operation, project, `deleting ${firewall}`);
    },
  );
  // autoDelete takes the boot disk with the instance; this catches one left behind.
  teardown.add(`disk ${request.name}`, async () => {
    const [operation] = await clients.disks.delete({ project, zone, disk: request.name }).catch((error: unknown) => {
      ignoreNotFound(error);
      return [undefined];
    });
    if (operation) await settle(clients, operation, project, `deleting disk ${request.name}`);
  });
  const labels = labelRecord(request.tags);
  await teardown.create(
    `instance ${request.name}`,
    async () => {
      const [operation] = await clients.instances.insert({
        project,
        zone,
        instanceResource: {
          name: request.name,
          machineType: `zones/${zone}/machineTypes/${target.machineType}`,
          labels,
          tags: { items: [request.name] },
          disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: target.image, labels } }],
          networkInterfaces: [
            {
              network: `projects/${project}/global/networks/${target.network}`,
              ...(target.subnetwork && { subnetwork: target.subnetwork }),
              accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }],
            },
          ],
          metadata: {
            items: [
              { key: 'ssh-keys', value: `${request.user}:${request.publicKey}` },
              { key: 'block-project-ssh-keys', value: 'TRUE' },
              { key: 'enable-guest-attributes', value: 'TRUE' },
            ],
          },
          scheduling: { maxRunDuration: { seconds: Math.ceil(request.lifetimeMs / 1000) }, instanceTerminationAction: 'DELETE' },
        },
      });
      await settle(clients, operation, project, `creating ${request.name}`, request.signal);
    },
    async () => {
      const [operation] = await clients.instances.delete(where).catch((error: unknown) => {
        ignoreNotFound(error);
        return [undefined];
      });
      if (operation) await settle(clients, operation, project, `deleting ${request.name}`);
    },
  );
  return {
    id: request.name,
    console: gceConsole(clients.instances, where),
    running: (signal) =>
      pollUntil(
        async () => {
          const [instance] = await clients.instances.get(where);
          if (instance.status === 'TERMINATED' || instance.status === 'SUSPENDED' || instance.status === 'STOPPING') {
            throw new InfraError(`${request.name} is ${instance.status}: ${instance.statusMessage ?? 'no reason given'}`, { phase: 'running' });
          }
          const address = instance.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP;
          return instance.status === 'RUNNING' && address ? { address } : undefined;
        },
        { timeoutMs: Number.MAX_SAFE_INTEGER, intervalMs: target.pollMs, signal, what: `${request.name} to run` },
      ),
    async hostKeys() {
      const [attributes] = await clients.instances.getGuestAttributes({ ...where, queryPath: 'hostkeys/' });
      const keys = guestHostKeys(attributes.queryValue?.items ?? []);
      return keys.length ? keys : undefined;
    },
  };
}
