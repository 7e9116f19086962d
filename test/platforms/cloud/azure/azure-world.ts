/**
 * An Azure resource group behind method-level stubs: the real ComputeManagementClient and
 * NetworkManagementClient with vi.spyOn on their operation groups, and the real BlobClient with
 * its prototype's download stubbed, serving the serial log by range as the blob service does.
 */
import { Readable } from 'node:stream';
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { BlobClient } from '@azure/storage-blob';
import { vi } from 'vitest';
import { sasBlob, type AzureClients } from '../../../../platforms/cloud/azure/azure-clients.js';

const credential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
const SUB = '00000000-0000-0000-0000-000000000001';
export const SAS_URL = 'https://bootdiag.blob.core.windows.net/bootdiagnostics-vm/vm.serialconsole.log?sv=2024-01-01&sig=SECRETSIGNATURE';

export interface AzureWorldOptions {
  serial?: () => string;
  neverRuns?: boolean;
  vmFails?: boolean;
}

const notFound = () => Object.assign(new Error('ResourceNotFound'), { statusCode: 404, code: 'ResourceNotFound' });

export function azureWorld(options: AzureWorldOptions = {}) {
  vi.restoreAllMocks();
  const compute = new ComputeManagementClient(credential, SUB);
  const network = new NetworkManagementClient(credential, SUB);
  const clients: AzureClients = { compute, network, blob: sasBlob };
  const live = new Set<string>();
  const deleted: string[] = [];
  const created = new Map<string, unknown>();
  const id = (type: string, name: string) => `/subscriptions/${SUB}/resourceGroups/harness-rg/providers/${type}/${name}`;
  const create = (type: string) => async (_rg: string, name: string, params: Record<string, unknown>) => {
    live.add(name);
    created.set(name, params);
    return { ...params, id: id(type, name), name, ...(type.endsWith('publicIPAddresses') && { ipAddress: '192.0.2.99' }) };
  };
  const remove = async (_rg: string, name: string) => {
    if (!live.delete(name)) throw notFound();
    deleted.push(name);
  };
  vi.spyOn(network.networkSecurityGroups, 'beginCreateOrUpdateAndWait').mockImplementation(create('Microsoft.Network/networkSecurityGroups') as never);
  vi.spyOn(network.publicIPAddresses, 'beginCreateOrUpdateAndWait').mockImplementation(create('Microsoft.Network/publicIPAddresses') as never);
  vi.spyOn(network.networkInterfaces, 'beginCreateOrUpdateAndWait').mockImplementation(create('Microsoft.Network/networkInterfaces') as never);
  const vmCreate = vi.spyOn(compute.virtualMachines, 'beginCreateOrUpdateAndWait').mockImplementation((async (rg: string, name: string, params: { storageProfile: { osDisk: { name: string } } }) => {
    if (options.vmFails) throw Object.assign(new Error('OperationNotAllowed: quota for Standard_B2s exceeded'), { statusCode: 409 });
    live.add(params.storageProfile.osDisk.name);
    return create('Microsoft.Compute/virtualMachines')(rg, name, params as never);
  }) as never);
  for (const group of [network.networkSecurityGroups, network.publicIPAddresses, network.networkInterfaces, compute.virtualMachines, compute.disks]) {
    vi.spyOn(group, 'beginDeleteAndWait').mockImplementation(remove as never);
  }
  const diskTags = vi.spyOn(compute.disks, 'beginUpdateAndWait').mockImplementation((async () => ({})) as never);
  vi.spyOn(compute.virtualMachines, 'instanceView').mockImplementation((async () => ({
    statuses: [{ code: 'ProvisioningState/succeeded' }, { code: options.neverRuns ? 'PowerState/starting' : 'PowerState/running' }],
  })) as never);
  const diagnostics = vi.spyOn(compute.virtualMachines, 'retrieveBootDiagnosticsData').mockImplementation((async () => ({ serialConsoleLogBlobUri: SAS_URL })) as never);
  const downloads = vi.spyOn(BlobClient.prototype, 'download').mockImplementation((async function (this: BlobClient, offset = 0, count?: number) {
    const text = Buffer.from(options.serial?.() ?? '');
    if (offset >= text.length) throw Object.assign(new Error('The range specified is invalid for the current size of the resource.'), { statusCode: 416 });
    return { readableStreamBody: Readable.from([text.subarray(offset, count === undefined ? undefined : offset + count)]) };
  }) as never);
  vi.spyOn(BlobClient.prototype, 'getProperties').mockImplementation((async () => ({ contentLength: Buffer.byteLength(options.serial?.() ?? '') })) as never);
  vi.spyOn(compute.virtualMachineImages, 'get').mockImplementation((async () => ({ name: '2024.1', architecture: 'x64' })) as never);
  return { clients, live, deleted, created, vmCreate, diskTags, diagnostics, downloads };
}
