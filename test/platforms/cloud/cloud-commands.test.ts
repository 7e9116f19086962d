import { describe, expect, it } from 'vitest';
import { cloudGc, cloudUpload, type Uploader } from '../../../platforms/cloud/cloud-commands.js';
import type { GcTarget } from '../../../platforms/cloud/core/gc.js';
import type { UploadRequest } from '../../../platforms/cloud/core/upload-request.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const expired = { run: 'r1', creator: 'ci@x', expires: new Date('2026-12-01T11:00:00Z') };

function targets(failing?: string) {
  const asked: string[] = [];
  const make = (provider: string): GcTarget => {
    asked.push(provider);
    return {
      provider,
      list: async () => {
        if (provider === failing) throw new Error('ExpiredToken: the security token included in the request is expired');
        return [{ kind: 'instance', id: `${provider}-vm`, tags: expired }];
      },
      remove: async () => {},
    };
  };
  return { asked, make };
}

describe('harness cloud gc', () => {
  it('runs for the provider named, or for each whose location flag is given', async () => {
    const one = targets();
    expect(await cloudGc({ provider: 'gcp', dryRun: false, options: {} }, () => {}, one.make, () => NOW)).toBe(0);
    expect(one.asked).toEqual(['gcp']);
    const some = targets();
    await cloudGc({ dryRun: true, options: { awsRegion: 'eu-west-1', azureSubscription: 'x' } }, () => {}, some.make, () => NOW);
    expect(some.asked).toEqual(['aws', 'azure']);
    await expect(cloudGc({ dryRun: true, options: {} }, () => {}, some.make)).rejects.toThrow(/--provider: name a provider, or give --aws-region/);
    await expect(cloudGc({ provider: 'oci', dryRun: true, options: {} }, () => {}, some.make)).rejects.toThrow(/unknown provider "oci"/);
  });

  it('exits 3 when a provider cannot be asked, and goes on with the others', async () => {
    const lines: string[] = [];
    const t = targets('aws');
    expect(await cloudGc({ dryRun: false, options: { awsRegion: 'eu-west-1', gcpProject: 'p' } }, (l) => lines.push(l), t.make, () => NOW)).toBe(3);
    expect(lines[0]).toBe('aws: gc failed: ExpiredToken: the security token included in the request is expired');
    expect(lines[1]).toMatch(/^deleted gcp instance gcp-vm/);
  });
});

describe('harness cloud upload', () => {
  const recording = () => {
    const requests: UploadRequest[] = [];
    const uploader: Uploader = async (request) => (requests.push(request), 'ami-0abc');
    return { requests, uploaders: { aws: uploader, gcp: uploader, azure: uploader } };
  };

  it('says what storage it needs when no bucket is named', async () => {
    const { uploaders } = recording();
    await expect(cloudUpload('/img/disk.raw', { provider: 'aws', options: {} }, () => {}, uploaders)).rejects.toThrow('--bucket: the upload stages the image in storage you own: pass --bucket <S3 bucket>');
    await expect(cloudUpload('/img/x.vhd', { provider: 'azure', options: {} }, () => {}, uploaders)).rejects.toThrow('pass --bucket <storage account>/<container>');
    await expect(cloudUpload('/img/x.vhd', { bucket: 'b', options: {} }, () => {}, uploaders)).rejects.toThrow(/--provider: name the cloud/);
  });

  it('names the image after the file and boots arm64 with UEFI unless told otherwise', async () => {
    const { requests, uploaders } = recording();
    expect(await cloudUpload('/img/LinuxKit_Test.img.tar.gz', { provider: 'gcp', bucket: 'b', options: { arch: 'arm64' } }, () => {}, uploaders)).toBe('ami-0abc');
    expect(requests[0]).toMatchObject({ file: '/img/LinuxKit_Test.img.tar.gz', bucket: 'b', name: 'linuxkit-test', arch: 'arm64', bootMode: 'uefi' });
    await cloudUpload('/img/a.raw', { provider: 'aws', bucket: 'b', options: { name: 'mine', bootMode: 'uefi' } }, () => {}, uploaders);
    expect(requests[1]).toMatchObject({ name: 'mine', arch: 'x86_64', bootMode: 'uefi' });
    await expect(cloudUpload('/img/a.raw', { provider: 'aws', bucket: 'b', options: { arch: 's390x' } }, () => {}, uploaders)).rejects.toThrow(/--arch: "s390x" is not x86_64 or arm64/);
    await expect(cloudUpload('/img/a.raw', { provider: 'aws', bucket: 'b', options: { name: 'Bad_Name' } }, () => {}, uploaders)).rejects.toThrow(/--name: "Bad_Name" is not an image name/);
  });
});
