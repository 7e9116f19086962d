import type { Storage } from '@google-cloud/storage';
import { UsageError } from '../../../harness/model/errors.js';
import type { UploadRequest } from '../core/upload-request.js';
import { settle, type GcpClients } from './gcp-clients.js';

/**
 * tar.gz (disk.raw inside) → GCS → images.insert. The bucket is the user's, in the image's project
 * or readable by it; the staged object is deleted once the image holds the disk.
 */
export async function uploadGcp(storage: Storage, clients: GcpClients, project: string, request: UploadRequest): Promise<string> {
  const object = `harness/${request.name}.tar.gz`;
  const bucket = storage.bucket(request.bucket);
  try {
    await bucket.upload(request.file, { destination: object, resumable: true, contentType: 'application/gzip' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) throw new UsageError('--bucket', `the GCS bucket ${request.bucket} does not exist (the upload stages the tarball in a bucket you name and own)`);
    throw error;
  }
  request.print(`uploaded gs://${request.bucket}/${object}`);
  try {
    const [operation] = await clients.images.insert({
      project,
      imageResource: {
        name: request.name,
        rawDisk: { source: `https://storage.googleapis.com/${request.bucket}/${object}` },
        architecture: request.arch === 'arm64' ? 'ARM64' : 'X86_64',
        guestOsFeatures: request.bootMode === 'uefi' ? [{ type: 'UEFI_COMPATIBLE' }] : [],
      },
    });
    request.print(`creating the image ${request.name}`);
    await settle(clients, operation, project, `creating image ${request.name}`);
  } finally {
    await bucket
      .file(object)
      .delete()
      .catch(() => request.print(`could not delete the staged gs://${request.bucket}/${object}: delete it by hand`));
  }
  return `projects/${project}/global/images/${request.name}`;
}
