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

/** The known key a near miss meant (case, `-` and `_` aside), else the list of known keys. */
export function unknownKeyMessage(key: string, known: string[]): string {
  const squash = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const meant = known.find((candidate) => squash(candidate) === squash(key));
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
