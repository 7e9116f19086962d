import { describe, expect, it } from 'vitest';
import { BaudCheck, WINDOW_BYTES } from '../../../platforms/board/serial/baud-check.js';

/** A deterministic stand-in for a UART read at the wrong rate: bytes spread over all 256 values. */
function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

describe('baud check', () => {
  it('lets a U-Boot and kernel console through', () => {
    const text = Buffer.from('U-Boot 2023.01 (Jun 22 2026)\r\nDRAM:  512 MiB\r\n\x1b[0m[    0.000000] Linux version 6.1.0\r\n'.repeat(40));
    expect(new BaudCheck(115200).push(text)).toBeUndefined();
  });

  it('names the likely cause, the share and the rate when a window is noise', () => {
    const verdict = new BaudCheck(115200).push(noise(WINDOW_BYTES));
    expect(verdict).toMatch(/^the console looks like a baud rate mismatch: \d+ % of the last 512 bytes are not printable; is the board at 115200\?$/);
    expect(Number(/(\d+) %/.exec(verdict!)![1])).toBeGreaterThan(50);
  });

  it('counts framing errors the UART server reports as noise', () => {
    const check = new BaudCheck(9600);
    check.damaged(300);
    expect(check.push(Buffer.alloc(WINDOW_BYTES, 0x41))).toMatch(/is the board at 9600\?/);
  });

  it('judges windows one after another, so earlier clean text does not dilute later noise', () => {
    const check = new BaudCheck(115200);
    expect(check.push(Buffer.alloc(WINDOW_BYTES * 3, 0x41))).toBeUndefined();
    expect(check.push(noise(WINDOW_BYTES))).toBeDefined();
  });
});
