import { open } from 'node:fs/promises';
import type { ContainerClient } from '@azure/storage-blob';
import { InfraError, UsageError } from '../../../harness/model/errors.js';
import type { UploadRequest } from '../core/upload-request.js';
import { statusOf, type AzureClients } from './azure-clients.js';

/** A page blob takes at most 4 MiB per write. */
const PAGE_WRITE = 4 << 20;

function allZero(buffer: Buffer): boolean {
  for (let i = 0; i < buffer.length; i++) if (buffer[i] !== 0) return false;
  return true;
}

export interface AzureImageTarget {
  resourceGroup: string;
  location: string;
}

/**
 * fixed VHD → page blob → managed image. The storage account and container (`--bucket
 * account/container`) are the user's; zero pages are not sent, since a page blob reads them as zero
 * anyway. Managed images are x86_64 only (Arm64 needs a compute gallery). The staged blob is
 * deleted once the image holds the disk.
 */
export async function uploadAzure(container: ContainerClient, clients: AzureClients, target: AzureImageTarget, request: UploadRequest, size: number): Promise<string> {
  if (request.arch !== 'x86_64') throw new UsageError('--arch', 'Azure managed images are x86_64 only; an Arm64 image needs an Azure compute gallery');
  const blob = container.getPageBlobClient(`harness/${request.name}.vhd`);
  try {
    await blob.create(size);
  } catch (error) {
    if (statusOf(error) === 404) throw new UsageError('--bucket', `the container ${request.bucket} does not exist (the upload stages the VHD in a storage account and container you name and own)`);
    throw error;
  }
  try {
    const handle = await open(request.file, 'r');
    try {
      for (let offset = 0; offset < size; offset += PAGE_WRITE) {
        const chunk = Buffer.alloc(Math.min(PAGE_WRITE, size - offset));
        await handle.read(chunk, 0, chunk.length, offset);
        if (!allZero(chunk)) await blob.uploadPages(chunk, offset, chunk.length);
      }
    } finally {
      await handle.close();
    }
    request.print(`uploaded ${blob.url.replace(/\?.*$/, '')} (${Math.ceil(size / (1 << 20))} MiB)`);
    const image = await clients.compute.images.beginCreateOrUpdateAndWait(target.resourceGroup, request.name, {
      location: target.location,
      hyperVGeneration: request.bootMode === 'uefi' ? 'V2' : 'V1',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: blob.url.replace(/\?.*$/, '') } },
    });
    if (!image.id) throw new InfraError(`creating the image ${request.name} returned no id`);
    return image.id;
  } finally {
    await blob.delete().catch(() => request.print(`could not delete the staged blob ${request.bucket}/harness/${request.name}.vhd: delete it by hand`));
  }
}
