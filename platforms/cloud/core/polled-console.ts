import type { ConsoleLog } from '../../../harness/console/console-log.js';
import { InfraError } from '../../../harness/model/errors.js';
import type { Console } from '../../platform.js';
import { sleep } from './poll.js';
import { errorText } from './scrub.js';

/** A provider's serial console as it can be read: each call returns the bytes that came since the last. */
export interface ConsoleSource {
  read(signal: AbortSignal): Promise<Buffer>;
}

export interface PolledConsoleOptions {
  source: ConsoleSource;
  log: ConsoleLog;
  now: () => number;
  intervalMs: number;
  /** A guest that floods its console must not fill the disk: past this, reading stops. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 << 20;

/**
 * A cloud serial console read by polling the provider, fed into the boot's ConsoleLog so death
 * patterns, phases and host-key blocks work as on any console. The cloud gives no way to type into
 * it here: the agent runs over SSH.
 */
export class PolledConsole implements Console {
  readonly log: ConsoleLog;
  private readonly listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private bytes = 0;
  private lastError: string | undefined;
  private errors = 0;
  private writeFailure: InfraError | undefined;

  constructor(private readonly options: PolledConsoleOptions) {
    this.log = options.log;
  }

  /** Set when the console log could not be written (a full disk): the host's fault, not the guest's. */
  get failure(): InfraError | undefined {
    return this.writeFailure;
  }

  onData(listener: (chunk: Buffer, atMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(): Promise<void> {
    return Promise.reject(new InfraError('a cloud serial console is read-only here; the agent runs over SSH'));
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Reads once more (the last words before the end), stops polling and closes the log. */
  async close(): Promise<void> {
    if (!this.stop.signal.aborted) {
      this.stop.abort(new Error('console closed'));
      await this.loop;
      await this.readOnce(AbortSignal.timeout(this.options.intervalMs * 5));
    }
    this.log.close();
  }

  /** What went wrong reading the console, for error reports. */
  diagnostics(): string {
    const full = this.bytes >= (this.options.maxBytes ?? DEFAULT_MAX_BYTES) ? 'console reading stopped at its size limit; ' : '';
    return this.lastError ? `${full}console: ${this.errors} failed read(s), last: ${this.lastError}` : full.replace(/; $/, '');
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.readOnce(this.stop.signal);
      try {
        await sleep(this.options.intervalMs, this.stop.signal);
      } catch {
        return;
      }
    }
  }

  private async readOnce(signal: AbortSignal): Promise<void> {
    const max = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (this.bytes >= max) return;
    let chunk: Buffer;
    try {
      chunk = await this.options.source.read(signal);
    } catch (error) {
      if (signal.aborted) return;
      this.errors++;
      this.lastError = errorText(error).slice(0, 300);
      return;
    }
    if (chunk.length === 0 || this.writeFailure) return;
    const kept = chunk.subarray(0, max - this.bytes);
    this.bytes += kept.length;
    const at = this.options.now();
    try {
      this.log.push(kept, at);
    } catch (error) {
      // Without its console log the boot's evidence is gone (a full disk): a host fault, not the guest's.
      this.writeFailure = new InfraError(`cannot write the console log ${this.log.path}: ${errorText(error)}`, { cause: error });
      this.stop.abort(this.writeFailure);
      return;
    }
    for (const listener of this.listeners) listener(kept, at);
  }
}
