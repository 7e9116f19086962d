import { UsageError } from '../../../harness/model/errors.js';
import type { Arch } from '../../../harness/model/types.js';
import type { CloudProvider, LaunchRequest, LaunchedInstance, ProviderProbe } from '../core/provider.js';
import { once } from '../core/once.js';
import type { Teardown } from '../core/teardown.js';
import { launchGce, type GceTarget } from './gce-launch.js';
import { isNotFound, type GcpClients } from './gcp-clients.js';

const ARCH: Readonly<Record<string, Arch>> = { X86_64: 'x86_64', ARM64: 'arm64', ARCHITECTURE_UNSPECIFIED: 'x86_64', '': 'x86_64' };
// `projects/P/global/images/NAME` or `projects/P/global/images/family/FAMILY`.
const IMAGE_PATH = /^projects\/([a-z][-a-z0-9.:]*[a-z0-9])\/global\/images\/(?:(family)\/)?([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

/** Compute Engine through the official SDK; credentials from Application Default Credentials. */
export class GcpProvider implements CloudProvider {
  readonly kind = 'gcp';
  readonly instanceType: string;
  readonly where: string;
  readonly probe = once(() => this.describe());

  constructor(
    private readonly clients: GcpClients,
    private readonly target: GceTarget,
  ) {
    this.instanceType = target.machineType;
    this.where = `${target.project}/${target.zone}`;
  }

  gcArgs(): string[] {
    return ['--gcp-project', this.target.project];
  }

  launch(request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
    return launchGce(this.clients, this.target, request, teardown);
  }

  private async describe(): Promise<ProviderProbe> {
    const { image, project, zone, machineType } = this.target;
    const match = IMAGE_PATH.exec(image);
    if (!match) throw new UsageError('--gcp-image', `"${image}" is neither an image name nor projects/P/global/images/[family/]NAME`);
    const [, imageProject, family, name] = match as unknown as [string, string, string | undefined, string];
    let found;
    try {
      [found] = family ? await this.clients.images.getFromFamily({ project: imageProject, family: name }) : await this.clients.images.get({ project: imageProject, image: name });
    } catch (error) {
      if (isNotFound(error)) throw new UsageError('--gcp-image', `${image} is not an image these credentials can see`);
      throw error;
    }
    const architecture = found.architecture ?? '';
    const arch = ARCH[architecture];
    if (!arch) throw new UsageError('--gcp-image', `${image} is ${architecture}; the harness runs x86_64 and arm64`);
    return {
      arch,
      fingerprint: { provider: 'gcp', zone, instanceType: machineType, image: found.selfLink ?? image },
      notes: [`${found.name ?? image} on ${machineType} in ${project}/${zone}`],
    };
  }
}
