import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../model/errors.js';

export interface SchemaIssue {
  /** Where in the document, e.g. ['containers', 0, 'name']; [] is the document itself. */
  path: Array<string | number>;
  message: string;
  /** Point at the key rather than its value: unknown keys, keys that do not belong. */
  atKey?: boolean;
}

/** Every problem of one or more files, each `file:line:col: field: problem`, first one first. */
export class YamlFileErrors extends UsageError {
  constructor(readonly problems: UsageError[]) {
    const [first, ...rest] = problems;
    super(first?.where ?? '', [first?.problem ?? 'no problems', ...rest.map((p) => p.message)].join('\n'));
  }
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

export interface LocatedYaml<T> {
  value?: T;
  /** In document order, each `file:line:col: field: problem`. */
  problems: UsageError[];
  /** `file:line:col` of a node, or of its nearest ancestor when it is absent. */
  where(path: SchemaIssue['path'], atKey?: boolean): string;
}

/**
 * Parses a YAML file's text and checks it, placing every problem at its line and column, so a user
 * fixes them all in one pass (case.yaml, lab.yaml).
 */
export function parseLocatedYaml<T>(file: string, text: string, check: (data: unknown) => Checked<T>): LocatedYaml<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const where = (nodePath: SchemaIssue['path'], atKey = false): string => at(offsetOf(doc, nodePath, atKey));

  const yamlErrors = [...doc.errors, ...doc.warnings];
  if (yamlErrors.length > 0) {
    return { problems: yamlErrors.map((e) => new UsageError(at(e.pos[0]), `invalid YAML: ${e.message}`)), where };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // An alias to a missing anchor only fails here, after parsing succeeded.
    return { problems: [new UsageError(at(0), `invalid YAML: ${(error as Error).message}`)], where };
  }
  const checked = check(data);
  if (checked.ok) return { value: checked.value, problems: [], where };
  const located = checked.issues.map((issue) => ({ issue, offset: offsetOf(doc, issue.path, issue.atKey) }));
  located.sort((a, b) => a.offset - b.offset);
  return { problems: located.map(({ issue, offset }) => new UsageError(at(offset), describeIssue(issue))), where };
}

/**
 * Start offset of the node at `nodePath`. A missing key has no node, so the walk stops at the nearest
 * ancestor that exists, which is the mapping that should have held it.
 */
function offsetOf(doc: Document, nodePath: SchemaIssue['path'], atKey = false): number {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0;
  for (const [index, segment] of nodePath.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      const value = pair?.value;
      // `key:` with nothing after it has a value of zero width; the key is the better place.
      const emptyValue = !isNode(value) || !value.range || value.range[0] === value.range[1];
      next = (atKey && index === nodePath.length - 1) || emptyValue ? pair?.key : value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (!isNode(next) || !next.range) break;
    offset = next.range[0];
    node = next;
  }
  return offset;
}

function describeIssue(issue: SchemaIssue): string {
  const field = issue.path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`))
    .join('');
  return `${field === '' ? 'top level' : field}: ${issue.message}`;
}

/** zod's issues in the words the user needs; `knownKeys` names the keys allowed where an unknown one was found. */
export function toSchemaIssues(issue: z.ZodIssue, knownKeys: (path: Array<string | number>) => string[]): SchemaIssue[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        atKey: true,
        message: unknownKeyMessage(key, knownKeys(issue.path)),
      }));
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

function unknownKeyMessage(key: string, known: string[]): string {
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
