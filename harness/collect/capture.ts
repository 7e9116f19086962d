import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InfraError, InternalError } from '../model/errors.js';
import type { StreamRedactor } from '../report/redact.js';

export interface CaptureLimits {
  /** Bytes kept from the start: what TAP is parsed from. */
  headBytes: number;
  /** Bytes kept from the end: what reports show. */
  tailBytes: number;
}

export const DEFAULT_CAPTURE: CaptureLimits = { headBytes: 4 * 2 ** 20, tailBytes: 16 * 1024 };

/**
 * One stream of a case container: every byte goes to its file as it arrives (a killed run keeps it);
 * memory holds only a bounded head and tail, so a case printing 100 MB cannot exhaust the host.
 * With a redactor, secrets are masked before anything is kept, so neither the file nor a cut
 * through the head or the tail holds any part of one.
 */
export class OutputCapture {
  private readonly fd: number;
  private readonly head: Buffer[] = [];
  private headSize = 0;
  private tail = Buffer.alloc(0);
  private total = 0;
  private ended = false;

  constructor(
    readonly path: string,
    private readonly limits: CaptureLimits = DEFAULT_CAPTURE,
    private readonly redactor?: StreamRedactor,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  write(chunk: Buffer): void {
    // The redactor's held-back bytes were flushed when the text was read; a later secret could straddle that.
    if (this.ended) throw new InternalError(`${this.path} written after its text was read`);
    this.keep(this.redactor ? this.redactor.push(chunk) : chunk);
  }

  get bytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.headSize;
  }

  /** What TAP is parsed from: all of it, or when it was too big, the head and the tail, where plans and summaries live. */
  tapText(): string {
    this.end();
    const head = Buffer.concat(this.head).toString('utf8');
    return this.truncated ? `${head}\n${this.tail.toString('utf8')}` : head;
  }

  tailText(): string {
    this.end();
    const text = this.tail.toString('utf8');
    return this.total > this.tail.length ? `[… ${this.total - this.tail.length} bytes before this, see ${this.path}]\n${text}` : text;
  }

  close(): void {
    this.end();
    closeSync(this.fd);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.redactor) this.keep(this.redactor.end());
  }

  private keep(chunk: Buffer): void {
    try {
      writeSync(this.fd, chunk);
    } catch (error) {
      throw new InfraError(`cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.total += chunk.length;
    if (this.headSize < this.limits.headBytes) {
      const part = chunk.subarray(0, this.limits.headBytes - this.headSize);
      this.head.push(part);
      this.headSize += part.length;
    }
    this.tail = Buffer.concat([this.tail, chunk]);
    if (this.tail.length > this.limits.tailBytes) this.tail = this.tail.subarray(this.tail.length - this.limits.tailBytes);
  }
}
