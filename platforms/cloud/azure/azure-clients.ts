import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import { BlobClient } from '@azure/storage-blob';

/** A blob read by range: the serial console log, through a SAS URI boot diagnostics hands out. */
export type BlobReader = Pick<BlobClient, 'download' | 'getProperties'>;

/** The Azure clients the platform uses; made once per run, injected so tests stub them. */
export interface AzureClients {
  compute: ComputeManagementClient;
  network: NetworkManagementClient;
  /** A reader for a blob URL that carries its own SAS. */
  blob(url: string): BlobReader;
}

export const sasBlob = (url: string): BlobReader => new BlobClient(url);

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function ignoreNotFound(error: unknown): void {
  if (statusOf(error) !== 404) throw error;
}
