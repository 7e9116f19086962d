export interface LineSplitterOptions {
  /** The longest line kept whole; longer lines come out in pieces of this size. Default 64 KiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines, holding at most `maxLineBytes + 1` bytes, so a console that
 * never prints a newline cannot exhaust memory.
 *
 * The output depends only on the bytes, never on how they were chunked: a line longer than the
 * limit is always cut at multiples of `maxLineBytes` from its start, and a `\r` that may turn out
 * to precede the `\n` is held back rather than counted.
 */
export class LineSplitter {
  readonly maxLineBytes: number;
  // Pieces of the unfinished line, kept apart so 1-byte chunks do not copy the whole line each time.
  private parts: Buffer[] = [];
  private pendingLength = 0;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new TypeError(`maxLineBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxLineBytes = max;
  }

  /** Completed lines, without `\n` or a trailing `\r`. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(LF); newline !== -1; newline = chunk.indexOf(LF, start)) {
      this.append(chunk.subarray(start, newline), lines);
      lines.push(this.takeLine());
      start = newline + 1;
    }
    this.append(chunk.subarray(start), lines);
    return lines;
  }

  /** The unterminated tail, treated as a last line; empty when nothing is pending. */
  flush(): Buffer[] {
    return this.pendingLength === 0 ? [] : [this.takeLine()];
  }

  private append(data: Buffer, lines: Buffer[]): void {
    if (data.length === 0) return;
    const total = this.pendingLength + data.length;
    if (contentLength(total, data[data.length - 1]) <= this.maxLineBytes) {
      // Copied: the caller may reuse its buffer after push() returns.
      this.parts.push(Buffer.from(data));
      this.pendingLength = total;
      return;
    }
    const all = Buffer.concat([...this.parts, data], total);
    let offset = 0;
    while (contentLength(all.length - offset, all[all.length - 1]) > this.maxLineBytes) {
      lines.push(Buffer.from(all.subarray(offset, offset + this.maxLineBytes)));
      offset += this.maxLineBytes;
    }
    const rest = Buffer.from(all.subarray(offset));
    this.parts = [rest];
    this.pendingLength = rest.length;
  }

  private takeLine(): Buffer {
    const line = Buffer.concat(this.parts, this.pendingLength);
    this.parts = [];
    this.pendingLength = 0;
    return line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
  }
}

/** Bytes that are certainly line content: a last `\r` may still be part of a `\r\n`. */
function contentLength(length: number, lastByte: number | undefined): number {
  return lastByte === CR ? length - 1 : length;
}
