import { Socket } from 'node:net';
import type { Client } from 'ssh2';
import { ssh2 } from './ssh2-module.js';
import { InfraError } from '../../../harness/model/errors.js';
import type { Credentials } from './credentials.js';
import { formatSshTarget, type SshEndpoint } from './endpoint.js';
import { checkHostKey, type HostKeyCheck, type HostKeyVerdict } from './host-keys.js';
import { blobKeyType } from './known-hosts.js';

export interface AttemptSpec {
  endpoint: SshEndpoint;
  hostKeys: HostKeyCheck;
  credentials: Credentials;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  signal?: AbortSignal;
}

export interface HostKey {
  type: string;
  fingerprint: string;
  /** Set when trust on first use recorded this key just now. */
  learned?: boolean;
}

export interface LoggedIn {
  client: Client;
  /** The TCP socket under `client`: destroying it is the one sure way to end the connection. */
  socket: Socket;
  hostKey: HostKey;
}

/** One failed attempt; `retry` says whether waiting and trying again could help. */
export class AttemptError extends InfraError {
  constructor(
    message: string,
    readonly retry: boolean,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

type Ssh2Error = Error & { level?: string; code?: string };

// Socket errors of a host that is not up yet, or a network that is settling: worth another try.
const TRANSIENT_SOCKET: Record<string, string> = {
  ECONNREFUSED: 'connection refused by',
  ECONNRESET: 'connection reset by',
  EPIPE: 'connection reset by',
  ETIMEDOUT: 'connection timed out to',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable for',
  EAI_AGAIN: 'name lookup failed (for now) for',
};

/** Turns what ssh2 reported into a sentence naming the target, and whether to try again. */
function classifyFailure(error: Ssh2Error, spec: AttemptSpec, refusedKey: string | undefined): AttemptError {
  const target = formatSshTarget(spec.endpoint);
  // ssh2 reports a refused host key only as a failed handshake; the verifier kept the reason.
  if (refusedKey !== undefined) return new AttemptError(refusedKey, false, error);
  switch (error.level) {
    case 'client-authentication':
      return new AttemptError(`authentication failed for ${target}: publickey rejected (offered ${spec.credentials.offered})`, false, error);
    case 'agent':
      return new AttemptError(`ssh agent ${spec.credentials.agent} failed while logging in to ${target}: ${error.message}`, false, error);
    case 'client-timeout':
      return new AttemptError(`no SSH login to ${target} within ${spec.readyTimeoutMs} ms`, true, error);
    case 'protocol':
      // What a forwarded port says while nothing listens behind it yet (QEMU hostfwd, a booting sshd).
      return new AttemptError(`${target} closed the connection before the SSH handshake`, true, error);
    case 'client-socket': {
      const transient = error.code === undefined ? undefined : TRANSIENT_SOCKET[error.code];
      if (transient) return new AttemptError(`${transient} ${target} (${error.code})`, true, error);
      return new AttemptError(`cannot connect to ${target}: ${error.message}`, false, error);
    }
    default:
      return new AttemptError(`SSH connection to ${target} failed: ${error.message}`, false, error);
  }
}

/**
 * One connection attempt, up to a logged-in client. The host key is judged inside the handshake,
 * before any credential is offered, so an impostor never sees a signature.
 */
export function connectOnce(spec: AttemptSpec): Promise<LoggedIn> {
  const target = formatSshTarget(spec.endpoint);
  return new Promise((resolve, reject) => {
    const client = new (ssh2().Client)();
    const socket = new Socket();
    let verdict: HostKeyVerdict | undefined;
    let hostKeyType = '';
    const detach = () => {
      client.off('ready', onReady).off('error', onError).off('close', onClose);
      spec.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: AttemptError) => {
      detach();
      // ssh2 may still report on the socket it is tearing down; an 'error' without a listener would throw.
      client.on('error', () => {});
      socket.destroy();
      reject(error);
    };
    const onReady = () => {
      if (!verdict?.ok) return fail(new AttemptError(`${target} logged us in without a checked host key`, false));
      detach();
      resolve({ client, socket, hostKey: { type: hostKeyType, fingerprint: verdict.fingerprint, ...(verdict.learned && { learned: true }) } });
    };
    const onError = (error: Ssh2Error) => fail(classifyFailure(error, spec, verdict && !verdict.ok ? verdict.reason : undefined));
    const onClose = () => fail(new AttemptError(`${target} closed the connection during login`, true));
    const onAbort = () => fail(new AttemptError(`connecting to ${target} was aborted`, false, spec.signal?.reason));
    if (spec.signal?.aborted) return onAbort();
    spec.signal?.addEventListener('abort', onAbort);
    client.on('ready', onReady).on('error', onError).on('close', onClose);
    // Connecting first and handing ssh2 the socket (which it then waits on) keeps it in our hands:
    // ssh2's destroy() does nothing once the socket is half closed, and a silent server never finishes.
    socket.connect(spec.endpoint.port, spec.endpoint.host);
    client.connect({
      sock: socket,
      username: spec.endpoint.user,
      privateKey: spec.credentials.privateKey,
      passphrase: spec.credentials.passphrase,
      agent: spec.credentials.agent,
      readyTimeout: spec.readyTimeoutMs,
      keepaliveInterval: spec.keepaliveIntervalMs,
      keepaliveCountMax: spec.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        const type = blobKeyType(key);
        hostKeyType = type ?? '';
        verdict = type ? checkHostKey(spec.hostKeys, spec.endpoint, key, type) : { ok: false, reason: `${target} presented a malformed host key` };
        return verdict.ok;
      },
    });
  });
}
