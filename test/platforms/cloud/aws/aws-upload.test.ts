import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImportSnapshotTasksCommand, EC2Client, ImportSnapshotCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { uploadAws } from '../../../../platforms/cloud/aws/aws-upload.js';

const dir = mkdtempSync(join(tmpdir(), 'aws-upload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' };

function clients() {
  const s3 = new S3Client({ region: 'eu-west-1', credentials });
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials });
  const s3mock = mockClient(s3);
  const ec2mock = mockClient(ec2);
  s3mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  s3mock.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
  s3mock.on(CompleteMultipartUploadCommand).resolves({});
  s3mock.on(DeleteObjectCommand).resolves({});
  ec2mock.on(ImportSnapshotCommand).resolves({ ImportTaskId: 'import-snap-1' });
  ec2mock
    .on(DescribeImportSnapshotTasksCommand)
    .resolvesOnce({ ImportSnapshotTasks: [{ SnapshotTaskDetail: { Status: 'active', Progress: '40' } }] })
    .resolves({ ImportSnapshotTasks: [{ SnapshotTaskDetail: { Status: 'completed', SnapshotId: 'snap-1' } }] });
  ec2mock.on(RegisterImageCommand).resolves({ ImageId: 'ami-0123456789abcdef0' });
  return { s3, ec2, s3mock, ec2mock };
}

describe('aws upload', () => {
  it('puts the raw disk in the named bucket, imports it as a snapshot, registers an AMI and removes the staged object', async () => {
    const file = join(dir, 'linuxkit.raw');
    writeFileSync(file, Buffer.alloc(1 << 20, 7));
    const c = clients();
    const lines: string[] = [];
    const id = await uploadAws(c.s3, c.ec2, { file, bucket: 'my-images', name: 'linuxkit', arch: 'arm64', bootMode: 'uefi', print: (l) => lines.push(l), pollMs: 1 }, 1 << 20);
    expect(id).toBe('ami-0123456789abcdef0');
    expect(c.s3mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: 'my-images', Key: 'harness/linuxkit.raw' });
    const parts = c.s3mock.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts).toHaveLength(1);
    expect((parts[0]!.Body as Buffer).length).toBe(1 << 20);
    expect(c.s3mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload).toEqual({ Parts: [{ ETag: '"etag-1"', PartNumber: 1 }] });
    expect(c.ec2mock.commandCalls(ImportSnapshotCommand)[0]!.args[0].input.DiskContainer).toEqual({ Format: 'RAW', UserBucket: { S3Bucket: 'my-images', S3Key: 'harness/linuxkit.raw' } });
    expect(c.ec2mock.commandCalls(RegisterImageCommand)[0]!.args[0].input).toMatchObject({
      Name: 'linuxkit',
      Architecture: 'arm64',
      BootMode: 'uefi',
      RootDeviceName: '/dev/xvda',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', DeleteOnTermination: true, VolumeType: 'gp3' } }],
      EnaSupport: true,
    });
    expect(c.s3mock.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'my-images', Key: 'harness/linuxkit.raw' });
    expect(lines).toEqual(['uploaded s3://my-images/harness/linuxkit.raw (1 MiB)', 'importing the snapshot (import-snap-1)', '  active 40', '  completed']);
  });

  it('says the bucket must exist, and aborts a part-done upload', async () => {
    const file = join(dir, 'disk.raw');
    writeFileSync(file, Buffer.alloc(4096));
    const missing = clients();
    missing.s3mock.on(CreateMultipartUploadCommand).rejects(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }));
    await expect(uploadAws(missing.s3, missing.ec2, { file, bucket: 'nope', name: 'x', arch: 'x86_64', bootMode: 'bios', print: () => {}, pollMs: 1 }, 4096)).rejects.toThrow(
      '--bucket: the S3 bucket nope does not exist',
    );
    const broken = clients();
    broken.s3mock.on(UploadPartCommand).rejects(new Error('RequestTimeout'));
    broken.s3mock.on(AbortMultipartUploadCommand).resolves({});
    await expect(uploadAws(broken.s3, broken.ec2, { file, bucket: 'b', name: 'x', arch: 'x86_64', bootMode: 'bios', print: () => {}, pollMs: 1 }, 4096)).rejects.toThrow('RequestTimeout');
    expect(broken.s3mock.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'harness/x.raw', UploadId: 'up-1' });
    expect(broken.ec2mock.commandCalls(ImportSnapshotCommand)).toHaveLength(0);
  });
});
