/** Bytes judged at a time; a U-Boot banner alone is longer. */
export const WINDOW_BYTES = 512;
/**
 * Text is almost all printable; a wrong baud rate turns bytes into noise, which is about 62 %
 * non-printable. A third is far from both.
 */
const LIMIT = 1 / 3;

/**
 * Printable ASCII, tab, newline, carriage return and escape (terminal colours). Firmware and kernel
 * consoles speak ASCII, and agent frames are base64, so bytes from 0x80 up count as noise.
 */
function printable(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x1b;
}

/**
 * Watches a console for the signs of a baud rate mismatch: a high share of non-printable bytes, or of
 * framing errors reported by the UART's server, in consecutive windows of the stream.
 */
export class BaudCheck {
  private seen = 0;
  private bad = 0;

  constructor(private readonly baud: number) {}

  /** A message naming the likely cause once a window is mostly noise; undefined otherwise. */
  push(chunk: Buffer): string | undefined {
    for (const byte of chunk) {
      if (!printable(byte)) this.bad++;
      if (++this.seen === WINDOW_BYTES) {
        const verdict = this.judge();
        if (verdict) return verdict;
      }
    }
    return undefined;
  }

  /** Bytes the far end reported damaged (framing, parity, break) count as noise. */
  damaged(count: number): void {
    this.bad += count;
  }

  private judge(): string | undefined {
    const share = Math.min(1, this.bad / WINDOW_BYTES);
    this.seen = 0;
    this.bad = 0;
    if (share <= LIMIT) return undefined;
    return `the console looks like a baud rate mismatch: ${Math.round(share * 100)} % of the last ${WINDOW_BYTES} bytes are not printable; is the board at ${this.baud}?`;
  }
}
