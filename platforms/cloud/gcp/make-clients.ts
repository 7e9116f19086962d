import { DisksClient, FirewallsClient, GlobalOperationsClient, ImagesClient, InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import type { GcpClients } from './gcp-clients.js';

/** Compute Engine clients; credentials from Application Default Credentials. */
export function gcpClients(project: string): GcpClients {
  const options = { projectId: project };
  return {
    instances: new InstancesClient(options),
    firewalls: new FirewallsClient(options),
    disks: new DisksClient(options),
    images: new ImagesClient(options),
    zoneOperations: new ZoneOperationsClient(options),
    globalOperations: new GlobalOperationsClient(options),
  };
}
