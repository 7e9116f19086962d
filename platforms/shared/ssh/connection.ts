import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import type { Client, SFTPWrapper } from 'ssh2';
import { InfraError, InternalError } from '../../../harness/model/errors.js';
import { shQuote } from '../../../harness/guest/sh-quote.js';
import type { ExecSession } from '../../platform.js';
import { AttemptError, connectOnce, type HostKey, type LoggedIn } from './connect-attempt.js';
import { loadCredentials, type SshAuth } from './credentials.js';
import { formatSshTarget, type SshEndpoint } from './endpoint.js';
import { SshExec } from './exec-session.js';
import type { HostKeyCheck } from './host-keys.js';
import { putRemoteFiles, sftpFailure, writeRemoteFile, type RemoteFile } from './sftp-put.js';

export type { SshAuth } from './credentials.js';

export interface ConnectOptions {
  endpoint: SshEndpoint;
  hostKeys: HostKeyCheck;
  auth: SshAuth;
  /** Per attempt: TCP connect, handshake and login. */
  readyTimeoutMs?: number;
  /** Attempts in all, for a host that is still coming up; 1 means no retry. */
  attempts?: number;
  /** Wait before the second attempt; it doubles each time after. */
  retryDelayMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  signal?: AbortSignal;
  /** The clock output is stamped with (a Machine's); default: ms since connect() was called. */
  now?: () => number;
  /** Told of each failed attempt, for progress reports. */
  onAttemptFailed?: (failure: { attempt: number; error: InfraError; willRetry: boolean }) => void;
}

export interface RunResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  /** Stdout went past maxBytes; `stdout` is its head. */
  truncated?: boolean;
}

const DEFAULTS = { readyTimeoutMs: 20_000, attempts: 5, retryDelayMs: 1_000, keepaliveIntervalMs: 15_000, keepaliveCountMax: 3 };
const RUN_MAX_BYTES = 1024 * 1024;
/** How long close() waits for the remote to finish the disconnect before dropping the socket. */
const CLOSE_GRACE_MS = 1_000;

/** A logged-in SSH connection: commands, file uploads, and one `closed` however it ends. */
export class SshConnection {
  readonly closed: Promise<{ reason: string; error?: InfraError }>;
  private closing = false;

  private constructor(
    private readonly client: Client,
    private readonly socket: Socket,
    readonly endpoint: SshEndpoint,
    readonly hostKey: HostKey,
    private readonly now: () => number,
    keepalive: { intervalMs: number; countMax: number },
  ) {
    const target = formatSshTarget(endpoint);
    this.closed = new Promise((resolve) => {
      let lost: InfraError | undefined;
      client.on('error', (error: Error & { level?: string }) => {
        const why =
          error.message === 'Keepalive timeout'
            ? `no answer to keepalives for ${keepalive.intervalMs * (keepalive.countMax + 1)} ms`
            : error.message;
        lost ??= new InfraError(`connection to ${target} lost: ${why}`, { cause: error });
        socket.destroy();
      });
      client.once('close', () => {
        // A reset while we hang up is how some servers say goodbye, not news.
        if (this.closing) resolve({ reason: 'closed by the harness' });
        else if (lost) resolve({ reason: lost.message, error: lost });
        else resolve({ reason: `${target} closed the connection` });
      });
    });
  }

  /**
   * Connects and logs in, trying again with backoff while the host is not up yet (refused, reset,
   * timed out). A refused host key or login is final: trying again would not change the answer.
   */
  static async connect(options: ConnectOptions): Promise<SshConnection> {
    const start = performance.now();
    const now = options.now ?? (() => performance.now() - start);
    const spec = {
      endpoint: options.endpoint,
      hostKeys: options.hostKeys,
      credentials: await loadCredentials(options.auth),
      readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
      keepaliveCountMax: options.keepaliveCountMax ?? DEFAULTS.keepaliveCountMax,
      signal: options.signal,
    };
    const target = formatSshTarget(options.endpoint);
    let attempts = 0;
    let loggedIn: LoggedIn | undefined;
    try {
      const { client, socket, hostKey } = await pRetry(
        async () => {
          attempts++;
          loggedIn = await connectOnce(spec);
          return loggedIn;
        },
        {
          retries: Math.max(0, (options.attempts ?? DEFAULTS.attempts) - 1),
          minTimeout: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
          factor: 2,
          signal: options.signal,
          shouldRetry: ({ error }) => error instanceof AttemptError && error.retry,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            const retryable = error instanceof AttemptError && error.retry;
            options.onAttemptFailed?.({ attempt: attemptNumber, error: asInfra(error, target), willRetry: retryable && retriesLeft > 0 });
          },
        },
      );
      return new SshConnection(client, socket, options.endpoint, hostKey, now, { intervalMs: spec.keepaliveIntervalMs, countMax: spec.keepaliveCountMax });
    } catch (error) {
      // An abort just after login still leaves a connection to hang up.
      loggedIn?.socket.destroy();
      if (options.signal?.aborted) throw new InfraError(`connecting to ${target} was aborted`, { cause: options.signal.reason });
      const infra = asInfra(error, target);
      if (attempts < 2) throw infra;
      throw new InfraError(`${infra.message} (gave up after ${attempts} attempts)`, { cause: infra });
    }
  }

  /** Runs argv on the remote, each word quoted, so nothing in it reaches the remote shell as syntax. */
  exec(argv: string[]): Promise<ExecSession> {
    return this.open(argv);
  }

  /** Runs argv to its end with stdin given (or empty), keeping at most maxBytes of stdout. */
  async run(argv: string[], options: { stdin?: Buffer | string; maxBytes?: number } = {}): Promise<RunResult> {
    const maxBytes = options.maxBytes ?? RUN_MAX_BYTES;
    const session = await this.open(argv);
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    session.onData((chunk) => {
      const room = maxBytes - kept;
      if (chunk.length > room) truncated = true;
      if (room <= 0) return;
      chunks.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
    });
    // A command may exit without reading its stdin; how it ended says more than the failed write.
    if (options.stdin !== undefined && options.stdin.length > 0) await session.write(options.stdin).catch(() => {});
    session.endInput();
    const end = await session.closed;
    return { ...end, stdout: Buffer.concat(chunks).toString('utf8'), stderr: session.stderr(), ...(truncated ? { truncated } : {}) };
  }

  /** Uploads files under `dir` over one SFTP session; see putRemoteFiles for folders and modes. */
  putFiles(dir: string, files: RemoteFile[]): Promise<void> {
    return this.withSftp((sftp) => putRemoteFiles(sftp, dir, files));
  }

  /** Writes one file at `path` with exactly `mode`; its folder must exist. */
  putFile(path: string, data: Buffer, mode: number): Promise<void> {
    return this.withSftp((sftp) => writeRemoteFile(sftp, path, data, mode));
  }

  /** Ends the connection; `closed` resolves soon after, even if the remote does not answer. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.client.end();
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    void this.closed.then(() => clearTimeout(timer));
  }

  private open(argv: string[]): Promise<SshExec> {
    if (argv.length === 0) return Promise.reject(new InternalError('exec needs a command'));
    const target = formatSshTarget(this.endpoint);
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(new InfraError(`cannot start ${JSON.stringify(argv[0])} on ${target}: ${error.message}`, { cause: error }));
      try {
        this.client.exec(argv.map(shQuote).join(' '), (error, channel) => {
          if (error) failed(error);
          else resolve(new SshExec(channel, this.now, target, this.closed));
        });
      } catch (error) {
        failed(error as Error);
      }
    });
  }

  private async withSftp(use: (sftp: SFTPWrapper) => Promise<void>): Promise<void> {
    const target = formatSshTarget(this.endpoint);
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        this.client.sftp((error, sftp) => (error ? reject(sftpFailure(target, error)) : resolve(sftp)));
      } catch (error) {
        reject(sftpFailure(target, error));
      }
    });
    try {
      await use(sftp);
    } catch (error) {
      throw error instanceof InfraError || error instanceof InternalError ? error : sftpFailure(target, error);
    } finally {
      // The next command waits for the SFTP channel to be gone: dropbear 2022.83 refuses an exec
      // ("Unable to exec") or dies on an assertion when a channel's close is still under way.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS).unref();
        sftp.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        sftp.end();
      });
    }
  }
}

function asInfra(error: unknown, target: string): InfraError {
  return error instanceof InfraError ? error : new InfraError(`SSH connection to ${target} failed: ${(error as Error).message}`, { cause: error });
}
