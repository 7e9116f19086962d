/**
 * What a cloud provider (platforms/cloud/<provider>/) gives the shared core: a probe, and a launch
 * that creates an instance and everything it needs, queueing each resource's undo on the teardown
 * before creating it. Everything after (console, host keys, SSH, lifetime, destruction) is the core's.
 */
import type { HostKey } from '../../../harness/console/host-key-block.js';
import type { Arch } from '../../../harness/model/types.js';
import type { ConsoleSource } from './polled-console.js';
import type { CloudTags } from './tags.js';
import type { Teardown } from './teardown.js';

export interface LaunchRequest {
  /** Base name of every resource of this instance: `harness-<run>-<boot>`, within every provider's limits. */
  name: string;
  sessionId: string;
  tags: CloudTags;
  /** The run's SSH public key, an OpenSSH line. */
  publicKey: string;
  /** Who logs in with it. */
  user: string;
  /** The only source SSH is open to: the runner's address as a /32 (or /128). */
  runnerCidr: string;
  /** The instance must not outlive this; providers that can also make it end itself do. */
  lifetimeMs: number;
  signal: AbortSignal;
}

export interface LaunchedInstance {
  /** The provider's id (i-0abc…, a GCE name, an Azure VM name), for messages. */
  id: string;
  /** Resolves once the provider says the instance runs, with the address SSH is reached at. */
  running(signal: AbortSignal): Promise<{ address: string }>;
  console: ConsoleSource;
  /** Host keys the provider itself reports (GCP guest attributes), polled; undefined while none. */
  hostKeys?(signal: AbortSignal): Promise<HostKey[] | undefined>;
}

export interface ProviderProbe {
  arch: Arch;
  /** What makes boots comparable: provider, region, instance type, image. */
  fingerprint: Record<string, string>;
  notes: string[];
}

export interface CloudProvider {
  /** `aws`, `gcp`, `azure`: the platform name's prefix and the tag's provider. */
  readonly kind: string;
  /** The instance type as the platform name gives it. */
  readonly instanceType: string;
  /** Region or zone, for messages and fingerprints. */
  readonly where: string;
  /** The flags `harness cloud gc` needs to find this provider's resources (`--aws-region eu-west-1`). */
  gcArgs(): string[];
  /** Throws an InfraError (unreachable, no credentials) or UsageError (unknown image). */
  probe(): Promise<ProviderProbe>;
  launch(request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance>;
}
