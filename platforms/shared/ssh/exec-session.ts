import type { ClientChannel } from 'ssh2';
import { InfraError } from '../../../harness/model/errors.js';
import type { ExecSession } from '../../platform.js';

/** Enough of stderr to explain a failure; a remote that writes without end cannot fill memory. */
const STDERR_TAIL_BYTES = 16 * 1024;
/** Stdout kept for a listener that comes after the command ended; past this it is dropped. */
const UNHEARD_STDOUT_BYTES = 1024 * 1024;

type ExecEnd = { code: number | null; signal?: string };

// The signal name comes from the remote; keep it to something a report can print.
const SIGNAL = /^SIG[A-Z0-9+_.-]{1,24}$/;

/**
 * A command on an SSH channel. Stdout waits under SSH flow control until the first listener, so
 * nothing piles up here and nothing is lost. Once the command ends, ssh2 needs stdout read to close
 * the channel: what nobody listens to yet is kept (bounded) for the first listener.
 */
export class SshExec implements ExecSession {
  readonly closed: Promise<ExecEnd>;
  private readonly listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  private readonly pendingWrites = new Set<(error: Error) => void>();
  private stderrTail = Buffer.alloc(0);
  private unheard: [Buffer, number][] = [];
  private unheardBytes = 0;
  private flowing = false;
  private ended = false;
  private exit: ExecEnd | undefined;

  constructor(
    private readonly channel: ClientChannel,
    private readonly now: () => number,
    private readonly target: string,
    connectionClosed: Promise<unknown>,
  ) {
    channel.stderr.on('data', (chunk: Buffer) => {
      const tail = Buffer.concat([this.stderrTail, chunk]);
      this.stderrTail = tail.length > STDERR_TAIL_BYTES ? tail.subarray(tail.length - STDERR_TAIL_BYTES) : tail;
    });
    // Failures show as the channel closing; write() reports its own.
    channel.on('error', () => {});
    channel.once('exit', (code: number | null, signal?: string) => {
      this.exit = typeof code === 'number' ? { code } : { code: null, ...(signal && { signal: SIGNAL.test(signal) ? signal : 'SIG?' }) };
      this.flow();
    });
    this.closed = new Promise((resolve) => {
      const end = () => {
        if (this.ended) return;
        this.ended = true;
        for (const reject of this.pendingWrites) reject(new InfraError(`the command on ${target} ended before its stdin was written`));
        resolve(this.exit ?? { code: null });
      };
      channel.once('close', end);
      // A dead connection may never close a channel whose stdout nobody reads.
      void connectionClosed.then(end);
    });
  }

  onData(listener: (chunk: Buffer, atMs: number) => void): () => void {
    this.listeners.add(listener);
    const unheard = this.unheard;
    this.unheard = [];
    this.unheardBytes = 0;
    // After onData returns, so the caller is ready; before the next read from the socket.
    if (unheard.length) {
      queueMicrotask(() => {
        for (const [chunk, atMs] of unheard) if (this.listeners.has(listener)) listener(chunk, atMs);
      });
    }
    this.flow();
    return () => this.listeners.delete(listener);
  }

  private flow(): void {
    if (this.flowing) return;
    this.flowing = true;
    this.channel.on('data', (chunk: Buffer) => {
      const atMs = this.now();
      if (this.listeners.size) for (const l of this.listeners) l(chunk, atMs);
      else if (this.unheardBytes + chunk.length <= UNHEARD_STDOUT_BYTES) {
        this.unheard.push([chunk, atMs]);
        this.unheardBytes += chunk.length;
      }
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ended || !this.channel.writable) return reject(new InfraError(`the stdin of the command on ${this.target} is closed`));
      const settle = (error?: Error | null) => {
        this.pendingWrites.delete(settle);
        if (error) reject(error instanceof InfraError ? error : new InfraError(`writing to the command on ${this.target}: ${error.message}`, { cause: error }));
        else resolve();
      };
      this.pendingWrites.add(settle);
      this.channel.write(data, settle);
    });
  }

  /** Sends EOF on stdin, for commands that read it to the end. */
  endInput(): void {
    if (this.channel.writable) this.channel.end();
  }

  stderr(): string {
    return this.stderrTail.toString('utf8');
  }

  /** Asks the command to stop and closes the channel; `closed` resolves when the remote agrees or the connection ends. */
  close(): void {
    if (this.ended) return;
    this.channel.signal('TERM');
    this.channel.close();
    this.flow();
  }
}
