import { DescribeImagesCommand, DescribeInstanceTypesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { UsageError } from '../../../harness/model/errors.js';
import type { Arch } from '../../../harness/model/types.js';
import type { CloudProvider, LaunchRequest, LaunchedInstance, ProviderProbe } from '../core/provider.js';
import { once } from '../core/once.js';
import type { Teardown } from '../core/teardown.js';
import { launchEc2 } from './ec2-launch.js';

export interface AwsOptions {
  region: string;
  image: string;
  instanceType: string;
  subnet?: string;
  pollMs: number;
}

const ARCH: Readonly<Record<string, Arch>> = { x86_64: 'x86_64', arm64: 'arm64' };

/** EC2 through the official SDK; credentials come from its default chain. */
export class AwsProvider implements CloudProvider {
  readonly kind = 'aws';
  readonly instanceType: string;
  readonly where: string;
  private readonly described = once(() => this.describe());

  constructor(
    private readonly ec2: EC2Client,
    private readonly options: AwsOptions,
  ) {
    this.instanceType = options.instanceType;
    this.where = options.region;
  }

  gcArgs(): string[] {
    return ['--aws-region', this.options.region];
  }

  probe(): Promise<ProviderProbe> {
    return this.described();
  }

  async launch(request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
    const { rootDevice } = await this.described();
    return launchEc2(this.ec2, { ...this.options, rootDevice }, request, teardown);
  }

  /** The image's arch, checked against what the instance type runs, before anything is paid for. */
  private async describe(): Promise<ProviderProbe & { rootDevice?: string }> {
    const { image, instanceType, region } = this.options;
    const { Images } = await this.ec2.send(new DescribeImagesCommand({ ImageIds: [image] }));
    const found = Images?.[0];
    if (!found) throw new UsageError('--aws-image', `${image} is not an image in ${region} that these credentials can see`);
    const arch = ARCH[found.Architecture ?? ''];
    if (!arch) throw new UsageError('--aws-image', `${image} is ${found.Architecture ?? 'of no architecture'}; the harness runs x86_64 and arm64`);
    const { InstanceTypes } = await this.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] }));
    const supported = InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? [];
    if (!supported.includes(found.Architecture as never)) {
      throw new UsageError('--platform', `aws:${instanceType} runs ${supported.join(', ') || 'nothing here'}, but ${image} is ${found.Architecture}`);
    }
    return {
      arch,
      rootDevice: found.RootDeviceName,
      fingerprint: { provider: 'aws', region, instanceType, image },
      notes: [`${image} (${found.Name ?? 'unnamed'}) on ${instanceType} in ${region}`],
    };
  }
}
