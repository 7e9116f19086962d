import { AttemptError } from '../../shared/ssh/connect-attempt.js';
import { SshConnection } from '../../shared/ssh/connection.js';
import { sshMachine } from '../../shared/ssh/ssh-machine.js';
import type { SshConnector } from './ssh-connector.js';

/**
 * The harness's SSH transport as the cloud core's connector: one attempt per call (the core retries
 * until its own deadline, and stops at once on what cannot change: a wrong host key, a refused
 * login), then the SSH machine: a private state folder, the agent exec'd, case files by sftp. The
 * instance stays up after `bye`; the core destroys it.
 */
export const sshConnector: SshConnector = {
  async connect(login, spec) {
    const connect = (signal?: AbortSignal) =>
      SshConnection.connect({
        endpoint: { host: login.host, port: login.port, user: login.user },
        hostKeys: login.hostKeys,
        auth: { identity: login.identity },
        attempts: 1,
        signal,
        now: spec.now,
      });
    const connection = await connect(spec.signal);
    return sshMachine({
      id: spec.id,
      connection,
      now: spec.now,
      console: spec.console,
      rootfs: spec.rootfs,
      onPhase: spec.onPhase,
      onBye: 'exit',
      endPhase: 'disconnect',
      reaper: spec.reaper,
      reconnect: () => connect(),
    });
  },
  retryable: (error) => error instanceof AttemptError && error.retry,
};
