import { closeSync, openSync, writeSync } from 'node:fs';
import { InfraError } from '../model/errors.js';

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
 */
export class OutputCapture {
  private readonly fd: number;
  private readonly head: Buffer[] = [];
  private headSize = 0;
  private tail = Buffer.alloc(0);
  private total = 0;

  constructor(
    readonly path: string,
    private readonly limits: CaptureLimits = DEFAULT_CAPTURE,
  ) {
    this.fd = openSync(path, 'a');
  }

  write(chunk: Buffer): void {
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

  get bytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.headSize;
  }

  /** What TAP is parsed from: all of it, or when it was too big, the head and the tail, where plans and summaries live. */
  tapText(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    return this.truncated ? `${head}\n${this.tail.toString('utf8')}` : head;
  }

  tailText(): string {
    const text = this.tail.toString('utf8');
    return this.total > this.tail.length ? `[… ${this.total - this.tail.length} bytes before this, see ${this.path}]\n${text}` : text;
  }

  close(): void {
    closeSync(this.fd);
  }
}
