import type { ImageReference } from '@azure/arm-compute';
import { UsageError } from '../../../harness/model/errors.js';
import type { Arch } from '../../../harness/model/types.js';
import type { CloudProvider, LaunchRequest, LaunchedInstance, ProviderProbe } from '../core/provider.js';
import { once } from '../core/once.js';
import type { Teardown } from '../core/teardown.js';
import { statusOf, type AzureClients } from './azure-clients.js';
import { MANAGED_IMAGE } from './index.js';
import { launchAzure, type AzureTarget } from './azure-launch.js';

/** Azure's size names mark Arm-based sizes with a `p` among the features after the vCPU count (Standard_D2ps_v5). */
const ARM_SIZE = /^Standard_[A-Z]+\d+[a-z]*p[a-z]*(?:_|$)/;

export function sizeArch(vmSize: string): Arch {
  return ARM_SIZE.test(vmSize) ? 'arm64' : 'x86_64';
}

/** Azure VMs through the official SDK; credentials from DefaultAzureCredential. */
export class AzureProvider implements CloudProvider {
  readonly kind = 'azure';
  readonly instanceType: string;
  readonly where: string;
  readonly probe = once(() => this.describe());

  constructor(
    private readonly clients: AzureClients,
    private readonly target: AzureTarget,
    private readonly subscription: string,
  ) {
    this.instanceType = target.vmSize;
    this.where = `${target.resourceGroup} in ${target.location}`;
  }

  gcArgs(): string[] {
    return ['--azure-subscription', this.subscription, '--azure-resource-group', this.target.resourceGroup];
  }

  launch(request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
    return launchAzure(this.clients, this.target, request, teardown);
  }

  /** The image exists and is of the size's architecture: checked before anything is paid for. */
  private async describe(): Promise<ProviderProbe> {
    const { image, location, vmSize } = this.target;
    const arch = sizeArch(vmSize);
    const shown = image.id ?? `${image.publisher}:${image.offer}:${image.sku}:${image.version}`;
    try {
      if (image.id) {
        const [, group, name] = MANAGED_IMAGE.exec(image.id)!;
        await this.clients.compute.images.get(group!, name!);
      } else {
        const { publisher, offer, sku } = image as Required<Pick<ImageReference, 'publisher' | 'offer' | 'sku' | 'version'>>;
        const version = image.version === 'latest' ? (await this.clients.compute.virtualMachineImages.list(location, publisher, offer, sku, { top: 1, orderby: 'name desc' }))[0]?.name : image.version;
        if (!version) throw Object.assign(new Error('no version'), { statusCode: 404 });
        const found = await this.clients.compute.virtualMachineImages.get(location, publisher, offer, sku, version);
        const imageArch = found.architecture === 'Arm64' ? 'arm64' : 'x86_64';
        if (imageArch !== arch) throw new UsageError('--platform', `azure:${vmSize} runs ${arch}, but ${shown} is ${imageArch}`);
      }
    } catch (error) {
      if (statusOf(error) === 404) throw new UsageError('--azure-image', `${shown} is not an image in ${location} that these credentials can see`);
      throw error;
    }
    return { arch, fingerprint: { provider: 'azure', location, instanceType: vmSize, image: shown }, notes: [`${shown} on ${vmSize} in ${this.where}`] };
  }
}
