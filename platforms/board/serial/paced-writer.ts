import type { Clock } from './wire.js';

/** One slice is this much of the line's time: small enough that a 16-byte FIFO far end keeps up. */
const SLICE_MS = 10;

/**
 * Writes at the line rate: a UART without flow control loses whatever arrives faster than it can
 * shift out, so bytes go in slices scheduled from one start time (timer lateness does not add up),
 * with an optional pause after each newline for a far end that reads lines slowly. Writes are
 * queued and go out in order.
 */
export class PacedWriter {
  private readonly sliceBytes: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: (data: Buffer) => Promise<void>,
    private readonly bytesPerSecond: number,
    private readonly linePauseMs: number,
    private readonly clock: Clock,
  ) {
    if (!(bytesPerSecond > 0)) throw new TypeError(`bytesPerSecond must be positive, got ${bytesPerSecond}`);
    this.sliceBytes = Math.max(1, Math.floor((bytesPerSecond * SLICE_MS) / 1000));
  }

  write(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const next = this.queue.then(() => this.send(bytes));
    // A failed write fails its caller; later writes still go.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async send(bytes: Buffer): Promise<void> {
    const start = this.clock.now();
    let sent = 0;
    let paused = 0;
    while (sent < bytes.length) {
      let end = Math.min(bytes.length, sent + this.sliceBytes);
      const newline = this.linePauseMs > 0 ? bytes.indexOf(0x0a, sent) : -1;
      if (newline >= 0 && newline < end) end = newline + 1;
      await this.sink(bytes.subarray(sent, end));
      if (newline >= 0 && newline < end) paused += this.linePauseMs;
      sent = end;
      const due = start + paused + (sent * 1000) / this.bytesPerSecond;
      const wait = due - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
  }
}
