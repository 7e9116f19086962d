import { describe, expect, it } from 'vitest';
import { overlap, SnapshotDiff } from '../../../../platforms/cloud/core/buffer-diff.js';

const b = (s: string) => Buffer.from(s);
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `[ ${from + i}] line number ${from + i} of the boot\n`).join('');

describe('SnapshotDiff', () => {
  it('yields only what each whole-buffer snapshot adds', () => {
    const diff = new SnapshotDiff();
    expect(diff.next(b('Linux version')).bytes.toString()).toBe('Linux version');
    expect(diff.next(b('Linux version')).bytes.toString()).toBe('');
    expect(diff.next(b('Linux version 6.1\nRun /init\n')).bytes.toString()).toBe(' 6.1\nRun /init\n');
  });

  it('follows a sliding window (the latest 64 KiB) by its overlap with the last snapshot', () => {
    const diff = new SnapshotDiff();
    diff.next(b(lines(0, 100)));
    const fresh = diff.next(b(lines(40, 130)));
    expect(fresh).toEqual({ bytes: b(lines(100, 130)), gap: false });
  });

  it('says so when output was lost between two polls, and does not take a short chance overlap for the same output', () => {
    const diff = new SnapshotDiff();
    diff.next(b(lines(0, 10)));
    const fresh = diff.next(b(`boot\n${lines(500, 510)}`));
    expect(fresh.gap).toBe(true);
    expect(fresh.bytes.toString()).toBe(`boot\n${lines(500, 510)}`);
  });

  it('keeps only the last maxBytes of a snapshot', () => {
    const diff = new SnapshotDiff(16);
    expect(diff.next(b('x'.repeat(100) + '0123456789abcdef')).bytes.toString()).toBe('0123456789abcdef');
  });
});

describe('overlap', () => {
  it('is the longest suffix of the first that starts the second', () => {
    expect(overlap(b('abcabc'), b('abcabcd'))).toBe(6);
    expect(overlap(b('xxabab'), b('ababab'))).toBe(4);
    expect(overlap(b('abc'), b('d'))).toBe(0);
    expect(overlap(b(''), b('abc'))).toBe(0);
    expect(overlap(b('aaaa'), b('aa'))).toBe(2);
  });

  it('is linear on repetitive hostile output', () => {
    const a = Buffer.alloc(1 << 20, 'a');
    const started = performance.now();
    expect(overlap(a, Buffer.concat([Buffer.alloc(1 << 19, 'a'), b('b')]))).toBe(1 << 19);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
