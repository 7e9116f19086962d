/**
 * `harness cloud gc` and `harness cloud upload`, loaded by the CLI (through the registry) only when run. Each
 * provider's SDK clients are made here, from the same flags `harness run` takes, with credentials
 * from each SDK's own chain; tests pass their own targets and uploaders instead.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { DefaultAzureCredential } from '@azure/identity';
import { Storage } from '@google-cloud/storage';
import { UsageError } from '../../harness/model/errors.js';
import { EXIT, type ExitCode } from '../../harness/model/types.js';
import { awsRegion } from './aws/index.js';
import { ec2GcTarget } from './aws/ec2-gc.js';
import { uploadAws } from './aws/aws-upload.js';
import { azureResourceGroup, azureSubscription } from './azure/index.js';
import { azureClients } from './azure/make-clients.js';
import { azureGcTarget } from './azure/azure-gc.js';
import { uploadAzure } from './azure/azure-upload.js';
import { collectGarbage, type GcTarget } from './core/gc.js';
import { checkFixedVhd, checkGceTarball, checkRawDisk } from './core/image-file.js';
import { errorText } from './core/scrub.js';
import { matching, requiredOption, stringOption } from './core/settings.js';
import { imageName, type UploadRequest } from './core/upload-request.js';
import { gcpProject } from './gcp/index.js';
import { gcpClients } from './gcp/make-clients.js';
import { gceGcTarget } from './gcp/gce-gc.js';
import { uploadGcp } from './gcp/gcp-upload.js';

import { CLOUD_PROVIDERS, type CloudProviderName as Provider } from './command-options.js';

type Options = Readonly<Record<string, unknown>>;

function provider(value: string | undefined): Provider | undefined {
  if (value === undefined) return undefined;
  if (!(CLOUD_PROVIDERS as readonly string[]).includes(value)) throw new UsageError('--provider', `unknown provider "${value}"; choose from ${CLOUD_PROVIDERS.join(', ')}`);
  return value as Provider;
}

/** The flag that says where a provider's resources are, without which gc cannot look. */
const LOCATOR: Record<Provider, string> = { aws: 'awsRegion', gcp: 'gcpProject', azure: 'azureSubscription' };

export function gcTarget(which: Provider, options: Options): GcTarget {
  const who = `harness cloud gc --provider ${which}`;
  if (which === 'aws') {
    const region = awsRegion(options, who);
    return ec2GcTarget(new EC2Client({ region }), region);
  }
  if (which === 'gcp') {
    const project = gcpProject(options, who);
    return gceGcTarget(gcpClients(project), project);
  }
  const group = stringOption(options, 'azureResourceGroup', '--azure-resource-group');
  return azureGcTarget(azureClients(azureSubscription(options, who)), group === undefined ? undefined : azureResourceGroup(options, who));
}

export interface CloudGcFlags {
  provider?: string;
  run?: string;
  dryRun: boolean;
  options: Options;
}

/**
 * Deletes what dead or expired runs left, for the provider named, or for each whose location flag
 * is given. Exits 3 when something could not be listed or deleted.
 */
export async function cloudGc(flags: CloudGcFlags, print: (line: string) => void, makeTarget = gcTarget, now = () => new Date()): Promise<ExitCode> {
  const named = provider(flags.provider);
  const chosen = named ? [named] : CLOUD_PROVIDERS.filter((p) => flags.options[LOCATOR[p]] !== undefined);
  if (!chosen.length) throw new UsageError('--provider', 'name a provider, or give --aws-region, --gcp-project or --azure-subscription');
  let code: ExitCode = EXIT.ok;
  for (const which of chosen) {
    const target = makeTarget(which, flags.options);
    try {
      const report = await collectGarbage(target, { run: flags.run, dryRun: flags.dryRun, now: now(), print });
      if (report.failed.length) code = EXIT.infra;
    } catch (error) {
      print(`${which}: gc failed: ${errorText(error)}`);
      code = EXIT.infra;
    }
  }
  return code;
}

export interface CloudUploadFlags {
  provider?: string;
  bucket?: string;
  options: Options;
}

export type Uploader = (request: UploadRequest, options: Options) => Promise<string>;

export const UPLOADERS: Record<Provider, Uploader> = {
  async aws(request, options) {
    const size = await checkRawDisk(request.file);
    const region = awsRegion(options, 'harness cloud upload --provider aws');
    return uploadAws(new S3Client({ region }), new EC2Client({ region }), request, size);
  },
  async gcp(request, options) {
    await checkGceTarball(request.file);
    const project = gcpProject(options, 'harness cloud upload --provider gcp');
    return uploadGcp(new Storage({ projectId: project }), gcpClients(project), project, request);
  },
  async azure(request, options) {
    const size = await checkFixedVhd(request.file);
    const who = 'harness cloud upload --provider azure';
    const [account, container] = request.bucket.split('/');
    if (!account || !container || !/^[a-z0-9]{3,24}$/.test(account)) throw new UsageError('--bucket', `Azure takes --bucket <storage account>/<container>, not "${request.bucket}"`);
    const location = requiredOption(options, 'azureLocation', '--azure-location', who, 'westeurope');
    const credential = new DefaultAzureCredential();
    const blobs = new BlobServiceClient(`https://${account}.blob.core.windows.net`, credential).getContainerClient(container);
    return uploadAzure(blobs, azureClients(azureSubscription(options, who)), { resourceGroup: azureResourceGroup(options, who), location }, request, size);
  },
};

/** `harness cloud upload --provider P --bucket B IMAGE`: returns the image id to pass to `harness run`. */
export async function cloudUpload(file: string, flags: CloudUploadFlags, print: (line: string) => void, uploaders = UPLOADERS): Promise<string> {
  const which = provider(flags.provider);
  if (!which) throw new UsageError('--provider', `name the cloud: ${CLOUD_PROVIDERS.join(', ')}`);
  if (!flags.bucket) {
    const form = which === 'azure' ? '<storage account>/<container>' : `<${which === 'aws' ? 'S3' : 'GCS'} bucket>`;
    throw new UsageError('--bucket', `the upload stages the image in storage you own: pass --bucket ${form}`);
  }
  const arch = matching(stringOption(flags.options, 'arch', '--arch') ?? 'x86_64', /^(x86_64|arm64)$/, '--arch', 'x86_64 or arm64') as 'x86_64' | 'arm64';
  const bootMode = matching(stringOption(flags.options, 'bootMode', '--boot-mode') ?? (arch === 'arm64' ? 'uefi' : 'bios'), /^(bios|uefi)$/, '--boot-mode', 'bios or uefi') as 'bios' | 'uefi';
  const name = imageName(file, stringOption(flags.options, 'name', '--name'));
  return uploaders[which]({ file, bucket: flags.bucket, name, arch, bootMode, print, pollMs: 15_000 }, flags.options);
}
