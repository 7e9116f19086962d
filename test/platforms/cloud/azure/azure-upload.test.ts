import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient, PageBlobClient } from '@azure/storage-blob';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { uploadAzure } from '../../../../platforms/cloud/azure/azure-upload.js';
import { azureWorld } from './azure-world.js';

const dir = mkdtempSync(join(tmpdir(), 'azure-upload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };

describe('azure upload', () => {
  it('writes the VHD as a page blob, leaving zero pages out, makes a managed image and removes the staged blob', async () => {
    const { clients } = azureWorld();
    const size = (12 << 20) + 512;
    const vhd = Buffer.alloc(size);
    vhd.fill(1, 0, 1024);
    vhd.fill(2, 9 << 20, (9 << 20) + 10);
    vhd.write('conectix', size - 512, 'latin1');
    const file = join(dir, 'disk.vhd');
    writeFileSync(file, vhd);
    const create = vi.spyOn(PageBlobClient.prototype, 'create').mockImplementation((async () => ({})) as never);
    const pages = vi.spyOn(PageBlobClient.prototype, 'uploadPages').mockImplementation((async () => ({})) as never);
    const remove = vi.spyOn(PageBlobClient.prototype, 'delete').mockImplementation((async () => ({})) as never);
    const image = vi.spyOn(clients.compute.images, 'beginCreateOrUpdateAndWait').mockImplementation((async () => ({ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/linuxkit' })) as never);
    const container = new ContainerClient('https://myacct.blob.core.windows.net/images', credential);
    const id = await uploadAzure(container, clients, { resourceGroup: 'rg', location: 'westeurope' }, { file, bucket: 'myacct/images', name: 'linuxkit', arch: 'x86_64', bootMode: 'bios', print: () => {}, pollMs: 1 }, size);
    expect(id).toBe('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/linuxkit');
    expect(create.mock.calls[0]![0]).toBe(size);
    // Pages 0-4 MiB, 8-12 MiB hold data, the footer's last write too; 4-8 MiB is all zero.
    expect(pages.mock.calls.map((c) => [c[1], c[2]])).toEqual([[0, 4 << 20], [8 << 20, 4 << 20], [12 << 20, 512]]);
    expect(image.mock.calls[0]!.slice(0, 3)).toEqual([
      'rg',
      'linuxkit',
      { location: 'westeurope', hyperVGeneration: 'V1', storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: 'https://myacct.blob.core.windows.net/images/harness/linuxkit.vhd' } } },
    ]);
    expect(remove).toHaveBeenCalledOnce();
  });

  it('refuses arm64: managed images are x86_64 only', async () => {
    const { clients } = azureWorld();
    const container = new ContainerClient('https://myacct.blob.core.windows.net/images', credential);
    await expect(uploadAzure(container, clients, { resourceGroup: 'rg', location: 'westeurope' }, { file: '/x', bucket: 'a/b', name: 'x', arch: 'arm64', bootMode: 'uefi', print: () => {}, pollMs: 1 }, 1024)).rejects.toThrow(
      /--arch: Azure managed images are x86_64 only/,
    );
  });
});
