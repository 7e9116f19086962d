import { scrubLine } from './scrub-line.js';

/**
 * GitHub links `@name`, `#123`, `GH-123` and `owner/repo#123` in the rendered text of a comment or a
 * step summary, after backslash escapes are gone, skipping only <code>, <pre> and <a>. So a backslash
 * does not help; U+2060 WORD JOINER between the sign and the name does (its patterns need the name
 * right after the sign) and shows nothing, where a code span would look like code.
 */
const REFERENCE = /@(?=[A-Za-z0-9])|#(?=\d)|GH-(?=\d)/gi;
const WORD_JOINER = '\u2060';

/**
 * Untrusted text (case names, reasons, TAP names, platform, revision and component names) for GitHub
 * Markdown, in a line or a table cell: one line, no control characters, markup backslash-escaped and
 * no mention or issue reference live. Our own sentences use none of these characters, so the raw
 * comment stays readable too.
 */
export function markdownText(text: string): string {
  return (
    scrubLine(text)
      .replace(/[\\`*[\]<>|~&]/g, '\\$&')
      // GitHub never reads an underscore inside a word as emphasis; qemu_x86_64 stays unescaped.
      .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
      .replace(REFERENCE, `$&${WORD_JOINER}`)
  );
}
