import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputCapture } from '../../../harness/collect/capture.js';
import { StreamRedactor } from '../../../harness/report/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capture-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'hunter22-secret';

/** Writes `chunks` to a capture that redacts SECRET; returns it and its file's text after close. */
function capture(chunks: (string | Buffer)[], limits = { headBytes: 4096, tailBytes: 4096 }): { text: string; tap: string; tail: string } {
  const out = new OutputCapture(join(dir, 'c.stdout'), limits, new StreamRedactor([SECRET, 'other-secret']));
  for (const chunk of chunks) out.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const tap = out.tapText();
  const tail = out.tailText();
  out.close();
  return { text: readFileSync(join(dir, 'c.stdout'), 'utf8'), tap, tail };
}

describe('OutputCapture with a redactor', () => {
  it('masks a secret split across two writes, in the file, the head and the tail', () => {
    const seen = capture(['login pw=hunter', '22-secret ok\n']);
    expect(seen).toEqual({ text: 'login pw=[redacted] ok\n', tap: 'login pw=[redacted] ok\n', tail: 'login pw=[redacted] ok\n' });
  });

  it('masks a secret written one byte at a time, and one at the very end (flushed on close)', () => {
    const bytes = [...Buffer.from(`a ${SECRET} b ${SECRET}`)].map((b) => Buffer.from([b]));
    expect(capture(bytes).text).toBe('a [redacted] b [redacted]');
  });

  it('masks a secret split inside a multi-byte character', () => {
    const out = new OutputCapture(join(dir, 'u.stdout'), undefined, new StreamRedactor(['pässwörd-1']));
    const bytes = Buffer.from('x pässwörd-1 y');
    out.write(bytes.subarray(0, 4));
    out.write(bytes.subarray(4));
    out.close();
    expect(readFileSync(join(dir, 'u.stdout'), 'utf8')).toBe('x [redacted] y');
  });

  it('masks overlapping secrets as one span, leaving no part of either', () => {
    const out = new OutputCapture(join(dir, 'o.stdout'), undefined, new StreamRedactor(['xxab-secret', 'secret-yyzz']));
    out.write(Buffer.from('1 xxab-sec'));
    out.write(Buffer.from('ret-yyzz 2'));
    out.close();
    expect(readFileSync(join(dir, 'o.stdout'), 'utf8')).toBe('1 [redacted] 2');
  });

  it('keeps memory bounded and time linear on a stream that is one long run of a secret', () => {
    const redactor = new StreamRedactor(['aaaaaaaa']);
    const start = performance.now();
    let out = 0;
    for (let i = 0; i < 1000; i++) out += redactor.push(Buffer.alloc(4096, 'a')).length;
    out += redactor.end().length;
    expect(out).toBe('[redacted]'.length);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('redacts before cutting the tail, so a secret the cut falls into leaves nothing behind', () => {
    const seen = capture([`${'x'.repeat(100)}${SECRET}yyyy`], { headBytes: 104, tailBytes: 13 });
    expect(seen.tail).toMatch(/^\[… \d+ bytes before this, see .*c\.stdout\]\n/);
    expect(seen.tail).toMatch(/redacted\]yyyy$/);
    for (const text of [seen.tail, seen.tap]) {
      for (let n = 4; n <= SECRET.length; n++) {
        expect(text).not.toContain(SECRET.slice(0, n));
        expect(text).not.toContain(SECRET.slice(-n));
      }
    }
  });

  it('refuses a write after its text was read, which would come too late to be redacted with the rest', () => {
    const out = new OutputCapture(join(dir, 'late.stdout'), undefined, new StreamRedactor([SECRET]));
    out.write(Buffer.from('a'));
    out.tailText();
    expect(() => out.write(Buffer.from('b'))).toThrow(/written after its text was read/);
    out.close();
  });
});

describe('OutputCapture without a redactor', () => {
  it('creates the folder its file goes in', () => {
    const file = join(dir, 'boot', 'case', 'c.stdout');
    const out = new OutputCapture(file);
    out.write(Buffer.from('ok'));
    out.close();
    expect(readFileSync(file, 'utf8')).toBe('ok');
  });

  it('keeps every byte as written', () => {
    const out = new OutputCapture(join(dir, 'raw.stdout'));
    out.write(Buffer.from(`pw=${SECRET}`));
    expect(out.tailText()).toBe(`pw=${SECRET}`);
    out.close();
    expect(readFileSync(join(dir, 'raw.stdout'), 'utf8')).toBe(`pw=${SECRET}`);
  });
});
