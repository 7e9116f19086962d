import { scrubLine } from './scrub-line.js';

/**
 * What GitHub Markdown reads as markup inside a line or a table cell, and `$` (math); a backslash
 * makes each literal. Underscores are handled apart: GitHub never reads one inside a word as
 * emphasis, so `qemu_x86_64` stays as it is.
 */
const METACHARACTERS = /[\\`*[\]<>|~&$]/g;
const LONE_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** GFM links bare URLs by their scheme or `www.`; an escaped `:` or `.` there leaves plain text. */
const AUTOLINK = /\b(https?|ftp)(?=:\/\/)|\b(www)(?=\.)/gi;

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
 * Markdown, in a line or a table cell: one line, no control characters, no markup, HTML or links,
 * and no mention or issue reference live.
 */
export function markdownText(text: string): string {
  return scrubLine(text)
    .replace(METACHARACTERS, '\\$&')
    .replace(LONE_UNDERSCORE, '\\_')
    .replace(AUTOLINK, '$&\\')
    .replace(REFERENCE, `$&${WORD_JOINER}`);
}
