import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import { sasBlob, type AzureClients } from './azure-clients.js';

/** Azure Resource Manager clients; credentials from DefaultAzureCredential (environment, managed identity, az login). */
export function azureClients(subscription: string): AzureClients {
  const credential = new DefaultAzureCredential();
  return { compute: new ComputeManagementClient(credential, subscription), network: new NetworkManagementClient(credential, subscription), blob: sasBlob };
}
