/**
 * Text from a guest or a case, made safe to stand inside a line of GitHub Markdown (a paragraph, a
 * list item, a table cell): it renders as the same characters and can neither add markup, HTML or
 * links nor ping a person or a team, nor link or close an issue.
 */

/** What CommonMark or GFM reads as markup, plus : (emoji, autolinks) and $ (math); a backslash makes any of them literal. */
const METACHARACTERS = /[\\`*_{}[\]()#+\-.!|<>~&:$]/g;
const ZERO_WIDTH_SPACE = '\u200B';

export function markdownText(text: string): string {
  return (
    text
      // Inline text: a newline could start a heading, a list or a fence, or end a table row.
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, '\uFFFD')
      .replace(METACHARACTERS, '\\$&')
      // GitHub links @user, @org/team and #123 even when escaped; a zero-width space after the sign breaks the reference.
      .replace(/[@#]/g, `$&${ZERO_WIDTH_SPACE}`)
  );
}
