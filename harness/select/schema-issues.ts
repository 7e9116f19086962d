import type { z } from 'zod';

export interface SchemaIssue {
  /** Where in the document, e.g. ['containers', 0, 'name']; [] is the document itself. */
  path: Array<string | number>;
  message: string;
  /** Point at the key rather than its value: unknown keys, keys that do not belong. */
  atKey?: boolean;
}

/** The keys a mapping at `path` may have, for the suggestion after an unknown one. */
export type KnownKeys = (path: Array<string | number>) => string[];

/** A zod issue in the words of the case and config files: one issue per unknown key, types named plainly. */
export function toSchemaIssues(issue: z.ZodIssue, knownKeys: KnownKeys): SchemaIssue[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...issue.path, key], atKey: true, message: unknownKeyMessage(key, knownKeys(issue.path)) }));
    case 'invalid_type':
      return [{ path: issue.path, message: invalidTypeMessage(issue.expected, issue.received) }];
    case 'invalid_enum_value':
      return [{ path: issue.path, message: `"${issue.received}" is not one of ${issue.options.join(', ')}` }];
    case 'too_small':
      return [{ path: issue.path, message: issue.type === 'array' ? 'must list at least one' : 'must not be empty' }];
    case 'invalid_union_discriminator':
      return [{ path: issue.path, message: `must be one of ${issue.options.map(String).join(', ')}` }];
    default:
      return [{ path: issue.path, message: issue.message }];
  }
}

/** `projects[1].platform: ...`, or `top level: ...` for the document itself. */
export function describeIssue(issue: SchemaIssue): string {
  const field = issue.path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
  return `${field === '' ? 'top level' : field}: ${issue.message}`;
}

/**
 * The known name a near miss meant: the same but for case, `-` and `_`, else the closest one within
 * a typo or two (one for short names, where two would match almost anything).
 */
export function nearMiss(name: string, known: readonly string[]): string | undefined {
  const squash = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = squash(name);
  const exact = known.find((candidate) => squash(candidate) === wanted);
  if (exact !== undefined) return exact;
  const allowed = wanted.length <= 4 ? 1 : 2;
  const scored = known.map((candidate) => ({ candidate, distance: typoDistance(squash(candidate), wanted) }));
  const best = scored.filter((s) => s.distance <= allowed).sort((a, b) => a.distance - b.distance)[0];
  return best?.candidate;
}

/** Edits (insert, delete, replace, swap two neighbours) between two short names. */
function typoDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      rows[i]![j] = d;
    }
  }
  return at(a.length, b.length);
}

/** The known key a near miss meant, else the list of known keys. */
function unknownKeyMessage(key: string, known: string[]): string {
  const meant = nearMiss(key, known);
  return meant === undefined ? `unknown key (known: ${known.join(', ')})` : `unknown key: did you mean ${meant}?`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'an empty value',
};

function invalidTypeMessage(expected: string, received: string): string {
  if (received === 'undefined') return 'required';
  // YAML reads an unquoted `1.10` or `true` as a number or a boolean; quoting is the fix to suggest.
  const hint = expected === 'string' && (received === 'number' || received === 'boolean') ? ' (quote it)' : '';
  return `expected ${TYPE_NAMES[expected] ?? `one of ${expected}`}, got ${TYPE_NAMES[received] ?? received}${hint}`;
}
