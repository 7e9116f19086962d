/**
 * rtf's comment headers (`# SUMMARY: …`, `# LABELS: …`, `# REPEAT: …`) in test.sh and group.sh,
 * read as rtf reads them: lines starting with `# `, the tag up to the first colon. The script is
 * only read, never run.
 */

export interface RtfTags {
  summary: string;
  /** Labels as written; `!label` means "not when label is set". */
  labels: string[];
  /** Runs of the test; 1 when absent or not a number, as in rtf. */
  repeat: number;
  /** Tags rtf allows once that appear again, e.g. `SUMMARY`. */
  repeated: string[];
}

const SINGLE = ['NAME', 'SUMMARY', 'LABELS', 'REPEAT'] as const;

export function parseRtfTags(text: string): RtfTags {
  const values = new Map<string, string>();
  const repeated: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('# ')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const tag = line.slice(2, colon);
    if (!(SINGLE as readonly string[]).includes(tag)) continue;
    const value = line.slice(colon + 1).trim();
    // rtf refuses a second non-empty value; an empty template line is no value at all.
    if (values.get(tag)) repeated.push(tag);
    else values.set(tag, value);
  }
  const repeat = Number.parseInt(values.get('REPEAT') ?? '', 10);
  return {
    summary: values.get('SUMMARY') ?? '',
    labels: (values.get('LABELS') ?? '').split(',').map((l) => l.trim()).filter(Boolean),
    repeat: Number.isSafeInteger(repeat) && repeat > 0 ? repeat : 1,
    repeated,
  };
}

/** `010_basic` → `basic`: rtf orders by the number and names by the rest. */
export function rtfName(folder: string): string {
  return /^\d+_(.+)$/.exec(folder)?.[1] ?? folder;
}
