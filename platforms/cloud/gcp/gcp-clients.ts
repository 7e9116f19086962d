import type { DisksClient, FirewallsClient, GlobalOperationsClient, ImagesClient, InstancesClient, ZoneOperationsClient, protos } from '@google-cloud/compute';
import { InfraError } from '../../../harness/model/errors.js';

type Operation = protos.google.cloud.compute.v1.IOperation;

/** The Compute Engine clients the GCP platform uses; made once per run, injected so tests stub them. */
export interface GcpClients {
  instances: InstancesClient;
  firewalls: FirewallsClient;
  disks: DisksClient;
  images: ImagesClient;
  zoneOperations: ZoneOperationsClient;
  globalOperations: GlobalOperationsClient;
}

/** gax reports a missing resource as HTTP 404 (REST) or gRPC NOT_FOUND (5). */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 404 || code === 5;
}

export function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

function failure(operation: Operation, what: string): InfraError | undefined {
  const errors = operation.error?.errors ?? [];
  if (!errors.length) return undefined;
  return new InfraError(`${what}: ${errors.map((e) => `${e.code ?? 'error'}: ${e.message ?? ''}`).join('; ')}`);
}

/**
 * Waits for a zonal or global operation (what insert and delete return) to be DONE, and throws
 * what it failed with. `wait` returns after at most two minutes, so it is called until done.
 */
export async function settle(clients: GcpClients, started: { latestResponse?: unknown }, project: string, what: string, signal?: AbortSignal): Promise<void> {
  let operation = (started.latestResponse ?? {}) as Operation;
  while (operation.status !== 'DONE') {
    if (signal?.aborted) throw signal.reason;
    const zone = operation.zone?.split('/').pop();
    [operation] = zone
      ? await clients.zoneOperations.wait({ project, zone, operation: operation.name })
      : await clients.globalOperations.wait({ project, operation: operation.name });
  }
  const failed = failure(operation, what);
  if (failed) throw failed;
}
