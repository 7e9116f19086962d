import type { ClientChannel } from 'ssh2';
import { InfraError } from '../../../harness/model/errors.js';
import type { ExecSession } from '../../platform.js';

/** Enough of stderr to explain a failure; a remote that writes without end cannot fill memory. */
export const STDERR_TAIL_BYTES = 16 * 1024;

export type ExecEnd = { code: number | null; signal?: string };

// The signal name comes from the remote; keep it to something a report can print.
const SIGNAL = /^SIG[A-Z0-9+_.-]{1,24}$/;

/**
 * A command on an SSH channel. Stdout waits (under SSH flow control, so nothing piles up here) until
 * the first listener, so bytes the command writes before anyone listens are not lost.
 */
export class SshExec implements ExecSession {
  readonly closed: Promise<ExecEnd>;
  private readonly listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  private readonly pendingWrites = new Set<(error: Error) => void>();
  private stderrTail = Buffer.alloc(0);
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
      // ssh2 closes the channel only once stdout is read to its end; nobody asked for it, so drop it.
      if (!this.flowing) channel.resume();
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
    if (!this.flowing) {
      this.flowing = true;
      this.channel.on('data', (chunk: Buffer) => {
        const atMs = this.now();
        for (const l of this.listeners) l(chunk, atMs);
      });
    }
    return () => this.listeners.delete(listener);
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
    if (!this.flowing) this.channel.resume();
  }
}
