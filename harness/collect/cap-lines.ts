/** Longer lines are cut: no TAP producer writes them, and tap-parser's line regexes are not linear in them. */
export const MAX_LINE = 64 * 1024;
/**
 * Deeper indentation is cut to this: tap-parser nests a child parser per 4 columns, recursively, so
 * 60 000 spaces cost it seconds and then overflow the stack. 256 columns are 64 levels of TAP nesting.
 */
export const MAX_INDENT = 256;

export interface CappedLines {
  lines: string[];
  /** What was cut, one problem per kind, naming the first line; empty when nothing was. */
  problems: string[];
}

/** First offender and how many more; a hostile stream may have thousands. */
function problem(offenders: string[]): string[] {
  const [first] = offenders;
  if (first === undefined) return [];
  return [offenders.length > 1 ? `${first} (and ${offenders.length - 1} more)` : first];
}

function blanksAtStart(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

/** Splits a stream into lines (LF or CRLF) and cuts each to MAX_LINE characters and MAX_INDENT of indentation. */
export function capLines(text: string): CappedLines {
  const long: string[] = [];
  const deep: string[] = [];
  const lines = text.split(/\r?\n/).map((raw, index) => {
    let line = raw;
    if (line.length > MAX_LINE) {
      long.push(`line ${index + 1} is ${line.length} characters long; cut to ${MAX_LINE}`);
      line = line.slice(0, MAX_LINE);
    }
    const indent = blanksAtStart(line);
    if (indent > MAX_INDENT) {
      deep.push(`line ${index + 1} is indented ${indent} columns; cut to ${MAX_INDENT}`);
      line = line.slice(0, MAX_INDENT) + line.slice(indent);
    }
    return line;
  });
  return { lines, problems: [...problem(long), ...problem(deep)] };
}
