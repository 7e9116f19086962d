import { open } from 'node:fs/promises';
import { DescribeImportSnapshotTasksCommand, ImportSnapshotCommand, RegisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { InfraError, UsageError } from '../../../harness/model/errors.js';
import { pollUntil } from '../core/poll.js';
import type { UploadRequest } from '../core/upload-request.js';
import { awsCode } from './ec2-errors.js';

/** S3 takes at most 10,000 parts: 64 MiB parts carry images up to 640 GiB. */
const PART = 64 << 20;

/** The raw disk into S3 in parts; a failed upload is aborted so no parts are left to bill. */
async function putObject(s3: S3Client, bucket: string, key: string, file: string, size: number): Promise<void> {
  let upload;
  try {
    upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (awsCode(error) === 'NoSuchBucket') throw new UsageError('--bucket', `the S3 bucket ${bucket} does not exist (the upload stages the raw disk in a bucket you name and own)`);
    throw error;
  }
  const handle = await open(file, 'r');
  try {
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let offset = 0, number = 1; offset < size; offset += PART, number++) {
      const body = Buffer.alloc(Math.min(PART, size - offset));
      await handle.read(body, 0, body.length, offset);
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, PartNumber: number, Body: body }));
      parts.push({ ETag, PartNumber: number });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId })).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * raw → S3 → ImportSnapshot → RegisterImage. The bucket is the user's; ImportSnapshot reads it as
 * the `vmimport` service role, which the account must have (docs/cloud.md). The staged object is
 * deleted once the snapshot holds the disk.
 */
export async function uploadAws(s3: S3Client, ec2: EC2Client, request: UploadRequest, size: number): Promise<string> {
  const key = `harness/${request.name}.raw`;
  await putObject(s3, request.bucket, key, request.file, size);
  request.print(`uploaded s3://${request.bucket}/${key} (${Math.ceil(size / (1 << 20))} MiB)`);
  try {
    const { ImportTaskId } = await ec2.send(
      new ImportSnapshotCommand({
        Description: `harness upload of ${request.name}`,
        DiskContainer: { Format: 'RAW', UserBucket: { S3Bucket: request.bucket, S3Key: key } },
        TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: [{ Key: 'Name', Value: request.name }] }],
      }),
    );
    request.print(`importing the snapshot (${ImportTaskId})`);
    let shown = '';
    const snapshot = await pollUntil(
      async () => {
        const { ImportSnapshotTasks } = await ec2.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [ImportTaskId!] }));
        const detail = ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
        const progress = `${detail?.Status ?? 'unknown'} ${detail?.Progress ?? ''}`.trim();
        if (progress !== shown) request.print(`  ${(shown = progress)}`);
        if (detail?.Status === 'completed' && detail.SnapshotId) return detail.SnapshotId;
        if (detail?.Status === 'deleted' || detail?.Status === 'deleting') throw new InfraError(`ImportSnapshot ${ImportTaskId} failed: ${detail.StatusMessage ?? 'no reason given'}`);
        return undefined;
      },
      { timeoutMs: 3 * 3_600_000, intervalMs: request.pollMs, what: `snapshot import ${ImportTaskId}` },
    );
    const root = '/dev/xvda';
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: request.name,
        Architecture: request.arch,
        RootDeviceName: root,
        BlockDeviceMappings: [{ DeviceName: root, Ebs: { SnapshotId: snapshot, DeleteOnTermination: true, VolumeType: 'gp3' } }],
        VirtualizationType: 'hvm',
        EnaSupport: true,
        BootMode: request.bootMode === 'uefi' ? 'uefi' : 'legacy-bios',
        TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Name', Value: request.name }] }],
      }),
    );
    if (!ImageId) throw new InfraError('RegisterImage returned no image id');
    return ImageId;
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: request.bucket, Key: key })).catch(() => request.print(`could not delete the staged s3://${request.bucket}/${key}: delete it by hand`));
  }
}
