import { describe, expect, it } from 'vitest';
import { markdownText } from '../../../harness/report/markdown-text.js';

const WJ = '\u2060';

describe('markdownText', () => {
  it('escapes what GitHub would read as markup, inline or in a table cell', () => {
    expect(markdownText('a|b*c<d>[e](f) `g` ~h~ &amp; \\ $x$')).toBe('a\\|b\\*c\\<d\\>\\[e\\](f) \\`g\\` \\~h\\~ \\&amp; \\\\ \\$x\\$');
    expect(markdownText('_e_ but qemu_x86_64')).toBe('\\_e\\_ but qemu_x86_64');
  });

  it('leaves no link: bare URLs lose what GFM recognises them by', () => {
    expect(markdownText('see http://evil.example, HTTPS://x and www.evil.example')).toBe('see http\\://evil.example, HTTPS\\://x and www\\.evil.example');
  });

  it('leaves no @mention or issue reference live', () => {
    // GitHub links these in the rendered text, after backslash escapes are gone, so only a character
    // between the sign and the name stops it; its filters skip <code>, which would look like code.
    expect(markdownText('ping @octocat and @org/team, see #123, GH-45 and owner/repo#6')).toBe(
      `ping @${WJ}octocat and @${WJ}org/team, see #${WJ}123, GH-${WJ}45 and owner/repo#${WJ}6`,
    );
    expect(markdownText('mail a@b.c, #tag and C# stay')).toBe(`mail a@${WJ}b.c, #tag and C# stay`);
  });

  it('keeps to one line and drops control characters', () => {
    expect(markdownText('one\ntwo\x1b[31m\u202E')).toBe('one two\uFFFD\\[31m\uFFFD');
    expect(markdownText('plain words 42')).toBe('plain words 42');
  });
});
