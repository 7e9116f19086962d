import { describe, expect, it } from 'vitest';
import { scrubLine } from '../../../harness/report/scrub-line.js';

describe('scrubLine', () => {
  it.each([
    ['ESC (CSI colour)', 'a\x1b[31mred', 'a\uFFFD[31mred'],
    ['OSC title, ended by BEL', '\x1b]0;pwned\x07x', '\uFFFD]0;pwned\uFFFDx'],
    ['C1 CSI, one byte', 'a\x9b2Jb', 'a\uFFFD2Jb'],
    ['DEL and NUL', 'a\x7f\x00b', 'a\uFFFD\uFFFDb'],
    ['bidi override (Trojan Source)', 'user\u202Enimda', 'user\uFFFDnimda'],
    ['bidi isolates and marks', '\u2066a\u2069\u200Fb\u061C', '\uFFFDa\uFFFD\uFFFDb\uFFFD'],
  ])('neutralises %s', (_, text, shown) => {
    expect(scrubLine(text)).toBe(shown);
  });

  it('makes one line of many, tabs and Unicode line breaks included', () => {
    expect(scrubLine('  one \r\n  two\tthree\u2028four\u2029five\n')).toBe('one two three four five');
  });

  it('leaves ordinary text alone, non-Latin text too', () => {
    expect(scrubLine('größe ✓ 日本 "q" <a> #1')).toBe('größe ✓ 日本 "q" <a> #1');
  });
});
