/**
 * The one call at the end of a cloud start: log in over SSH and hand back the Machine the session
 * drives. The SSH transport itself lives in platforms/shared/ssh/; this is the shape the cloud core
 * needs from it, so providers and tests do not depend on how it is built.
 */
import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import type { Console, Machine, RootfsArchive, StartOptions } from '../../platform.js';
import type { HostKeyCheck } from '../../shared/ssh/host-keys.js';

/** How the server proves it is our instance: fingerprints read out of band, or (asked for) the first key seen. */
export type HostKeyPolicy = Extract<HostKeyCheck, { kind: 'pinned' | 'tofu' }>;

export interface SshLogin {
  host: string;
  port: number;
  user: string;
  /** Private key file. */
  identity: string;
  hostKeys: HostKeyPolicy;
}

export interface SshMachineSpec {
  id: string;
  now: () => number;
  console: Console;
  rootfs: RootfsArchive[];
  onPhase: StartOptions['onPhase'];
  signal: AbortSignal;
  /** Where the session's state folder on the instance is registered for removal. */
  reaper: Reaper;
}

export interface SshConnector {
  /** Logs in and builds the Machine; throws when it cannot. */
  connect(login: SshLogin, machine: SshMachineSpec): Promise<Machine>;
  /** Whether a failed connect may work later (sshd still starting); a host key mismatch never does. */
  retryable(error: unknown): boolean;
}
