import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleLog, type ConsoleLogOptions } from '../../../harness/console/console-log.js';
import { InternalError } from '../../../harness/model/errors.js';

describe('ConsoleLog', () => {
  let dir: string;
  let path: string;
  const open = (options: Partial<ConsoleLogOptions> = {}) => new ConsoleLog({ path, ...options });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-log-'));
    path = join(dir, 'console.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has every byte on disk unchanged as soon as push() returns', () => {
    const log = open();
    const bytes = Buffer.from('\x1bc\x1b[2J[    0.000000] Linux version\r\n\xff\xfe\x00tail', 'latin1');
    log.push(bytes.subarray(0, 5), 1);
    log.push(bytes.subarray(5), 2);
    expect(readFileSync(path)).toEqual(bytes);
    log.close();
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('masks secrets in the file, one split across chunks too, while lines see what the guest sent', () => {
    const log = open({ secrets: ['hunter2-password'] });
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    log.push(Buffer.from('Password: hunter2-pa'), 1);
    log.push(Buffer.from('ssword\r\nwelcome\r\n'), 2);
    log.note('saved boot: hunter2-password\n');
    log.push(Buffer.from('tail hunter2-passw'), 3);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('Password: [redacted]\r\nwelcome\r\nsaved boot: [redacted]\ntail hunter2-passw');
    expect(lines).toEqual(['Password: hunter2-password', 'welcome', 'tail hunter2-passw']);
  });

  it('emits each line with the time of the chunk that completed it', () => {
    const log = open();
    const lines: Array<[string, number]> = [];
    log.onLine((line, atMs) => lines.push([line, atMs]));
    log.push(Buffer.from('abc'), 10);
    log.push(Buffer.from('def\r\nxy'), 20);
    log.push(Buffer.from('z\n'), 30);
    expect(lines).toEqual([
      ['abcdef', 20],
      ['xyz', 30],
    ]);
  });

  it('decodes invalid UTF-8 with replacement characters but keeps the raw bytes in the file', () => {
    const log = open();
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    const raw = Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82, 0xac, 0x0a]);
    log.push(raw, 0);
    expect(lines).toEqual(['a\ufffdb€']);
    expect(readFileSync(path)).toEqual(raw);
  });

  it('emits the unterminated last line on close(), once', () => {
    const log = open();
    const lines: Array<[string, number]> = [];
    log.onLine((line, atMs) => lines.push([line, atMs]));
    log.push(Buffer.from('[    1.0] Kernel panic - not syncing'), 5);
    expect(lines).toEqual([]);
    log.close();
    log.close();
    expect(lines).toEqual([['[    1.0] Kernel panic - not syncing', 5]]);
  });

  it('refuses writes after close() as a harness bug', () => {
    const log = open();
    log.close();
    expect(() => log.push(Buffer.from('late'), 1)).toThrow(InternalError);
  });

  it('stops calling a listener once unsubscribed', () => {
    const log = open();
    const lines: string[] = [];
    const unsubscribe = log.onLine((line) => lines.push(line));
    log.push(Buffer.from('one\n'), 0);
    unsubscribe();
    log.push(Buffer.from('two\n'), 0);
    expect(lines).toEqual(['one']);
  });

  it('cuts lines longer than maxLineBytes', () => {
    const log = open({ maxLineBytes: 4 });
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    log.push(Buffer.from('abcdefghij\n'), 0);
    expect(lines).toEqual(['abcd', 'efgh', 'ij']);
  });

  describe('tail()', () => {
    const stream = 'line one\nline two\nline three\n';

    it('holds everything while the console is shorter than tailBytes', () => {
      const log = open({ tailBytes: 100 });
      log.push(Buffer.from(stream), 0);
      expect(log.tail()).toBe(stream);
    });

    it.each([1, 3, 7, 12, stream.length])('keeps the last tailBytes bytes in %i-byte chunks', (size) => {
      const log = open({ tailBytes: 12 });
      for (let at = 0; at < stream.length; at += size) {
        log.push(Buffer.from(stream.slice(at, at + size)), 0);
      }
      expect(log.tail()).toBe(stream.slice(-12));
    });

    it('stays readable after close()', () => {
      const log = open({ tailBytes: 5 });
      log.push(Buffer.from('abcdefg'), 0);
      log.close();
      expect(log.tail()).toBe('cdefg');
    });
  });

  it.each([0, -5, 2.5])('rejects tailBytes %s with a TypeError quoting it', (bad) => {
    expect(() => open({ tailBytes: bad })).toThrow(
      new TypeError(`tailBytes must be a positive integer, got ${bad}`),
    );
  });
});
