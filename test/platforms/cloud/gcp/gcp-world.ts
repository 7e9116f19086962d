/**
 * A Compute Engine project behind method-level stubs on the real SDK clients (vi.spyOn on each
 * instance): inserts and deletes are recorded, operations finish after one wait, instances run
 * after a poll, and the serial port answers from an offset as GCE does.
 */
import { DisksClient, FirewallsClient, GlobalOperationsClient, ImagesClient, InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { vi } from 'vitest';
import type { GcpClients } from '../../../../platforms/cloud/gcp/gcp-clients.js';

const auth = { projectId: 'harness-ci', credentials: { client_email: 'ci@harness-ci.iam.gserviceaccount.com', private_key: 'not-a-key' } };

/** Real clients, made once: loading the protos takes seconds. */
export const realClients: GcpClients = {
  instances: new InstancesClient(auth),
  firewalls: new FirewallsClient(auth),
  disks: new DisksClient(auth),
  images: new ImagesClient(auth),
  zoneOperations: new ZoneOperationsClient(auth),
  globalOperations: new GlobalOperationsClient(auth),
};

export interface GcpWorldOptions {
  serial?: () => string;
  guestAttributes?: { key: string; value: string }[];
  neverRuns?: boolean;
  insertFails?: 'firewall' | 'instance';
  architecture?: string;
}

const notFound = () => Object.assign(new Error('404 Not Found'), { code: 404 });
const operation = (name: string, zone?: string) => [{ latestResponse: { name, status: 'RUNNING', ...(zone && { zone: `https://compute/zones/${zone}` }) } }, undefined, undefined];

export function gcpWorld(options: GcpWorldOptions = {}) {
  vi.restoreAllMocks();
  const c = realClients;
  const live = new Set<string>();
  const deleted: string[] = [];
  const polls = new Map<string, number>();
  const drop = (id: string) => {
    if (!live.delete(id)) throw notFound();
    deleted.push(id);
  };
  const firewallInserts = vi.spyOn(c.firewalls, 'insert').mockImplementation((async (request: { firewallResource: { name: string } }) => {
    if (options.insertFails === 'firewall') throw Object.assign(new Error('Quota FIREWALLS exceeded'), { code: 403 });
    live.add(`firewall ${request.firewallResource.name}`);
    return operation('op-fw');
  }) as never);
  vi.spyOn(c.firewalls, 'delete').mockImplementation((async (request: { firewall: string }) => (drop(`firewall ${request.firewall}`), operation('op-fw-del'))) as never);
  vi.spyOn(c.disks, 'delete').mockImplementation((async () => {
    throw notFound();
  }) as never);
  const instanceInserts = vi.spyOn(c.instances, 'insert').mockImplementation((async (request: { instanceResource: { name: string } }) => {
    if (options.insertFails === 'instance') throw Object.assign(new Error("Quota 'CPUS' exceeded"), { code: 403 });
    live.add(`instance ${request.instanceResource.name}`);
    return operation('op-vm', 'europe-west1-b');
  }) as never);
  vi.spyOn(c.instances, 'delete').mockImplementation((async (request: { instance: string }) => (drop(`instance ${request.instance}`), operation('op-vm-del', 'europe-west1-b'))) as never);
  vi.spyOn(c.instances, 'get').mockImplementation((async (request: { instance: string }) => {
    const n = (polls.get(request.instance) ?? 0) + 1;
    polls.set(request.instance, n);
    const running = !options.neverRuns && n > 1;
    return [{ name: request.instance, status: running ? 'RUNNING' : 'PROVISIONING', networkInterfaces: [{ accessConfigs: [{ natIP: running ? '192.0.2.77' : undefined }] }] }];
  }) as never);
  const serialReads = vi.spyOn(c.instances, 'getSerialPortOutput').mockImplementation((async (request: { start: number }) => {
    const text = Buffer.from(options.serial?.() ?? '');
    return [{ contents: text.subarray(request.start).toString(), start: request.start, next: text.length }];
  }) as never);
  vi.spyOn(c.instances, 'getGuestAttributes').mockImplementation((async () => {
    if (!options.guestAttributes) throw notFound();
    return [{ queryValue: { items: options.guestAttributes.map((a) => ({ namespace: 'hostkeys', ...a })) } }];
  }) as never);
  vi.spyOn(c.zoneOperations, 'wait').mockImplementation((async () => [{ status: 'DONE' }]) as never);
  vi.spyOn(c.globalOperations, 'wait').mockImplementation((async () => [{ status: 'DONE' }]) as never);
  const imageGets = vi.spyOn(c.images, 'get').mockImplementation((async () => [{ name: 'linuxkit', selfLink: 'https://compute/projects/harness-ci/global/images/linuxkit', architecture: options.architecture ?? 'X86_64' }]) as never);
  return { clients: c, live, deleted, firewallInserts, instanceInserts, serialReads, imageGets };
}
