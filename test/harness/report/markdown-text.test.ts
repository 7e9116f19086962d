import { describe, expect, it } from 'vitest';
import { markdownText } from '../../../harness/report/markdown-text.js';

const ZWSP = '\u200B';

describe('markdownText', () => {
  it('backslash-escapes every character Markdown could read as markup', () => {
    expect(markdownText('*bold* _em_ `code` [link](http://x) ![img](y) <b>&amp; | ~~s~~ $x$ :smile: # h + - . ! {}')).toBe(
      `\\*bold\\* \\_em\\_ \\\`code\\\` \\[link\\]\\(http\\://x\\) \\!\\[img\\]\\(y\\) \\<b\\>\\&amp; \\| \\~\\~s\\~\\~ \\$x\\$ \\:smile\\: \\#${ZWSP} h \\+ \\- \\. \\! \\{\\}`,
    );
    expect(markdownText('back\\slash')).toBe('back\\\\slash');
  });

  it('neutralizes mentions and issue references with a zero-width space', () => {
    expect(markdownText('@octocat @org/team #123 owner/repo#7')).toBe(`@${ZWSP}octocat @${ZWSP}org/team \\#${ZWSP}123 owner/repo\\#${ZWSP}7`);
  });

  it('keeps text on one line without control characters', () => {
    expect(markdownText('a\r\n\n  # not a heading\x1b[31m\x00')).toBe(`a \\#${ZWSP} not a heading\uFFFD\\[31m\uFFFD`);
    expect(markdownText('plain words 42')).toBe('plain words 42');
  });
});
