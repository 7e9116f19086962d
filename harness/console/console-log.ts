import { closeSync, openSync, writeSync } from 'node:fs';
import { InternalError } from '../model/errors.js';
import { StreamRedactor } from '../report/redact.js';
import { LineSplitter } from './line-splitter.js';

export interface ConsoleLogOptions {
  /** File that receives every console byte unchanged; created or truncated. */
  path: string;
  /** Bytes kept in memory for error messages. Default 16 KiB. */
  tailBytes?: number;
  /** Passed to the line splitter. Default 64 KiB. */
  maxLineBytes?: number;
  /**
   * Values masked in the file (a login password the guest's tty echoed before its login turned echo
   * off): the file is evidence that gets uploaded; lines and markers still see the real bytes.
   */
  secrets?: readonly string[];
}

export type LineListener = (line: string, atMs: number) => void;

const DEFAULT_TAIL_BYTES = 16 * 1024;

/**
 * The record of one console: the raw bytes on disk, a bounded tail for error messages, and decoded
 * lines for marker detection.
 *
 * Writes are synchronous so that a harness crash or kill loses none of the console, which is the
 * evidence for whatever went wrong.
 */
export class ConsoleLog {
  readonly path: string;
  private readonly fd: number;
  private readonly splitter: LineSplitter;
  private readonly listeners = new Set<LineListener>();
  // A ring: repeated slicing of a growing buffer would cost a copy of the whole tail per chunk.
  private readonly ring: Buffer;
  private ringEnd = 0;
  private ringFull = false;
  private lastAtMs = 0;
  private closed = false;
  private written = 0;
  private firstAtMs: number | undefined;
  private readonly firstListeners = new Set<(atMs: number) => void>();
  private readonly redactor: StreamRedactor | undefined;

  constructor(options: ConsoleLogOptions) {
    const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
    if (!Number.isSafeInteger(tailBytes) || tailBytes < 1) {
      throw new TypeError(`tailBytes must be a positive integer, got ${String(tailBytes)}`);
    }
    this.splitter = new LineSplitter({ maxLineBytes: options.maxLineBytes });
    this.ring = Buffer.alloc(tailBytes);
    this.path = options.path;
    this.redactor = options.secrets?.length ? new StreamRedactor(options.secrets) : undefined;
    this.fd = openSync(options.path, 'w');
  }

  /**
   * Calls `listener` with the time of the first byte: at once if it came already, else as it comes,
   * before any line it completes. The core stamps the `firstByte` phase from it on every platform.
   */
  onFirstByte(listener: (atMs: number) => void): void {
    if (this.firstAtMs !== undefined) listener(this.firstAtMs);
    else this.firstListeners.add(listener);
  }

  /** Bytes written so far: where the next byte lands in the file, for marking a case's part of the log. */
  get size(): number {
    return this.written;
  }

  /**
   * `atMs` is the host's monotonic time of the chunk. A line is stamped with the time of the chunk
   * that completed it: the host could not have acted on it earlier.
   */
  push(chunk: Buffer, atMs: number): void {
    if (this.closed) throw new InternalError(`console log ${this.path} written after close()`);
    this.write(chunk);
    if (chunk.length && this.firstAtMs === undefined) {
      this.firstAtMs = atMs;
      for (const listener of this.firstListeners) listener(atMs);
      this.firstListeners.clear();
    }
    this.keepTail(chunk);
    this.lastAtMs = atMs;
    this.emit(this.splitter.push(chunk), atMs);
  }

  /**
   * Evidence that is no output of this console (the boot a restored snapshot was saved from): into
   * the file only, so no line, marker, tail or first byte comes of it.
   */
  note(text: string): void {
    if (this.closed) throw new InternalError(`console log ${this.path} written after close()`);
    this.write(Buffer.from(text, 'utf8'));
  }

  private write(chunk: Buffer, end = false): void {
    const bytes = this.redactor ? (end ? this.redactor.end() : this.redactor.push(chunk)) : chunk;
    for (let written = 0; written < bytes.length; ) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.written += bytes.length;
  }

  /** Calls `listener` for every later line; returns the function that unsubscribes it. */
  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last `tailBytes` bytes, decoded; a character cut at the start shows as U+FFFD. */
  tail(): string {
    if (!this.ringFull) return this.ring.toString('utf8', 0, this.ringEnd);
    return Buffer.concat([this.ring.subarray(this.ringEnd), this.ring.subarray(0, this.ringEnd)]).toString(
      'utf8',
    );
  }

  /**
   * Emits the unterminated last line (often the one that explains a hang), then closes the file.
   * Idempotent; tail() stays readable.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.write(Buffer.alloc(0), true);
    } finally {
      closeSync(this.fd);
    }
    this.emit(this.splitter.flush(), this.lastAtMs);
  }

  private keepTail(chunk: Buffer): void {
    const size = this.ring.length;
    if (chunk.length >= size) {
      chunk.copy(this.ring, 0, chunk.length - size);
      this.ringEnd = 0;
      this.ringFull = true;
      return;
    }
    const first = Math.min(chunk.length, size - this.ringEnd);
    chunk.copy(this.ring, this.ringEnd, 0, first);
    chunk.copy(this.ring, 0, first);
    const end = this.ringEnd + chunk.length;
    this.ringFull ||= end >= size;
    this.ringEnd = end % size;
  }

  private emit(lines: Buffer[], atMs: number): void {
    for (const line of lines) {
      const text = line.toString('utf8');
      for (const listener of this.listeners) listener(text, atMs);
    }
  }
}
