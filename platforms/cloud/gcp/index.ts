import type { ProviderSpec } from '../core/cloud-factory.js';
import { matching, requiredOption, stringOption } from '../core/settings.js';

export const GCP_PROJECT = /^[a-z][-a-z0-9.:]{4,61}[a-z0-9]$/;

/** `--gcp-image`: a full path, or a bare name in the run's project. */
export function imagePath(image: string, project: string): string {
  return image.includes('/') ? image : `projects/${project}/global/images/${image}`;
}

export function gcpProject(options: Readonly<Record<string, unknown>>, name: string): string {
  return matching(requiredOption(options, 'gcpProject', '--gcp-project', name, 'my-project'), GCP_PROJECT, '--gcp-project', 'a GCP project id')!;
}

/** `gcp:<machine-type>`: Compute Engine. */
export const GCP_SPEC: ProviderSpec = {
  kind: 'gcp',
  form: '<machine-type>',
  typePattern: /^[a-z][a-z0-9]*-[a-z0-9-]+$/,
  typeForm: 'a GCE machine type (e2-small)',
  defaultUser: 'root',
  options: [
    { flags: '--gcp-project <id>', description: 'GCP: the project' },
    { flags: '--gcp-zone <zone>', description: 'GCP: the zone, e.g. europe-west1-b' },
    { flags: '--gcp-image <image>', description: 'GCP: an image name in the project, or projects/P/global/images/[family/]NAME' },
    { flags: '--gcp-network <name>', description: 'GCP: the VPC network', default: 'default' },
  ],
  provider(type, options, name, timings) {
    const project = gcpProject(options, name);
    const zone = matching(requiredOption(options, 'gcpZone', '--gcp-zone', name, 'europe-west1-b'), /^[a-z]+-[a-z]+\d+-[a-z]$/, '--gcp-zone', 'a zone (europe-west1-b)')!;
    const image = imagePath(requiredOption(options, 'gcpImage', '--gcp-image', name, 'projects/my-project/global/images/linuxkit'), project);
    const network = matching(stringOption(options, 'gcpNetwork', '--gcp-network') ?? 'default', /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, '--gcp-network', 'a network name')!;
    return {
      label: `gcp instance (${type} in ${project}/${zone})`,
      async make() {
        const [{ gcpClients }, { GcpProvider }] = await Promise.all([import('./make-clients.js'), import('./gce-provider.js')]);
        return new GcpProvider(gcpClients(project), { project, zone, machineType: type, image, network, pollMs: timings.pollMs });
      },
    };
  },
};
