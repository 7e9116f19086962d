import type { ImageReference } from '@azure/arm-compute';
import { UsageError } from '../../../harness/model/errors.js';
import type { ProviderSpec } from '../core/cloud-factory.js';
import { matching, requiredOption } from '../core/settings.js';

const SUBSCRIPTION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const SUBNET = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

const URN = /^([^:\s]+):([^:\s]+):([^:\s]+):([^:\s]+)$/;
export const MANAGED_IMAGE = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/images\/([^/]+)$/i;

/** `--azure-image`: a marketplace URN (publisher:offer:sku:version) or a managed image's resource id. */
export function imageReference(image: string): ImageReference {
  const urn = URN.exec(image);
  if (urn) return { publisher: urn[1], offer: urn[2], sku: urn[3], version: urn[4] };
  if (MANAGED_IMAGE.test(image)) return { id: image };
  throw new UsageError('--azure-image', `"${image}" is neither publisher:offer:sku:version nor /subscriptions/…/resourceGroups/…/providers/Microsoft.Compute/images/NAME`);
}

export function azureSubscription(options: Readonly<Record<string, unknown>>, name: string): string {
  return matching(requiredOption(options, 'azureSubscription', '--azure-subscription', name, '00000000-0000-0000-0000-000000000000'), SUBSCRIPTION, '--azure-subscription', 'a subscription id (a UUID)')!;
}

export function azureResourceGroup(options: Readonly<Record<string, unknown>>, name: string): string {
  return matching(requiredOption(options, 'azureResourceGroup', '--azure-resource-group', name, 'harness'), RESOURCE_GROUP, '--azure-resource-group', 'a resource group name')!;
}

/** `azure:<vm-size>`: Azure VMs, in a resource group and subnet the user names (Azure has no default network). */
export const AZURE_SPEC: ProviderSpec = {
  kind: 'azure',
  form: '<vm-size>',
  typePattern: /^Standard_[A-Za-z0-9_]+$/,
  typeForm: 'an Azure VM size (Standard_B2s)',
  // Azure refuses root as the admin user.
  defaultUser: 'harness',
  options: [
    { flags: '--azure-subscription <id>', description: 'Azure: the subscription id' },
    { flags: '--azure-resource-group <name>', description: 'Azure: the resource group every resource goes in (it must exist)' },
    { flags: '--azure-location <location>', description: 'Azure: the region, e.g. westeurope' },
    { flags: '--azure-image <image>', description: 'Azure: publisher:offer:sku:version, or a managed image id (harness cloud upload --provider azure makes one)' },
    { flags: '--azure-subnet <id>', description: 'Azure: the subnet resource id the VM’s NIC joins' },
  ],
  provider(type, options, name, timings) {
    const subscription = azureSubscription(options, name);
    const resourceGroup = azureResourceGroup(options, name);
    const location = matching(requiredOption(options, 'azureLocation', '--azure-location', name, 'westeurope'), /^[a-z][a-z0-9]{1,40}$/, '--azure-location', 'a location (westeurope)')!;
    const image = imageReference(requiredOption(options, 'azureImage', '--azure-image', name, 'Canonical:ubuntu-24_04-lts:server:latest'));
    const subnet = matching(
      requiredOption(options, 'azureSubnet', '--azure-subnet', name, '/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/…/subnets/…'),
      SUBNET,
      '--azure-subnet',
      'a subnet resource id',
    )!;
    return {
      label: `azure VM (${type} in ${resourceGroup}, ${location})`,
      async make() {
        const [{ azureClients }, { AzureProvider }] = await Promise.all([import('./make-clients.js'), import('./azure-provider.js')]);
        return new AzureProvider(azureClients(subscription), { resourceGroup, location, vmSize: type, image, subnet, pollMs: timings.pollMs }, subscription);
      },
    };
  },
};
