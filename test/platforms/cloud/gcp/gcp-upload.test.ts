import { Bucket, File, Storage } from '@google-cloud/storage';
import { describe, expect, it, vi } from 'vitest';
import { uploadGcp } from '../../../../platforms/cloud/gcp/gcp-upload.js';
import { realClients } from './gcp-world.js';

describe('gcp upload', () => {
  it('stages the tarball in the named bucket, makes the image from it and removes the staged object', async () => {
    vi.restoreAllMocks();
    const upload = vi.spyOn(Bucket.prototype, 'upload').mockImplementation((async () => [{}]) as never);
    const remove = vi.spyOn(File.prototype, 'delete').mockImplementation((async () => [{}]) as never);
    const insert = vi.spyOn(realClients.images, 'insert').mockResolvedValue([{ latestResponse: { name: 'op', status: 'DONE' } }] as never);
    const storage = new Storage({ projectId: 'harness-ci', credentials: { client_email: 'x@y', private_key: 'k' } });
    const id = await uploadGcp(storage, realClients, 'harness-ci', { file: '/img/linuxkit.img.tar.gz', bucket: 'my-images', name: 'linuxkit', arch: 'x86_64', bootMode: 'uefi', print: () => {}, pollMs: 1 });
    expect(id).toBe('projects/harness-ci/global/images/linuxkit');
    expect(upload.mock.calls[0]).toEqual(['/img/linuxkit.img.tar.gz', { destination: 'harness/linuxkit.tar.gz', resumable: true, contentType: 'application/gzip' }]);
    expect(insert.mock.calls[0]![0]).toEqual({
      project: 'harness-ci',
      imageResource: {
        name: 'linuxkit',
        rawDisk: { source: 'https://storage.googleapis.com/my-images/harness/linuxkit.tar.gz' },
        architecture: 'X86_64',
        guestOsFeatures: [{ type: 'UEFI_COMPATIBLE' }],
      },
    });
    expect(remove).toHaveBeenCalledOnce();
    expect((remove.mock.contexts[0] as File).name).toBe('harness/linuxkit.tar.gz');
  });
});
