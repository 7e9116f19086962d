import { readFile } from 'node:fs/promises';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { UsageError } from '../model/errors.js';
import { describeIssue, type SchemaIssue } from './schema-issues.js';

export { toSchemaIssues, type SchemaIssue } from './schema-issues.js';

/** Every problem of one or more files, each `file:line:col: field: problem`, first one first. */
export class YamlFileErrors extends UsageError {
  constructor(readonly problems: UsageError[]) {
    const [first, ...rest] = problems;
    super(first?.where ?? '', [first?.problem ?? 'no problems', ...rest.map((p) => p.message)].join('\n'));
  }
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[] };

/** A YAML (or JSON, which YAML reads too) file parsed with the positions of its nodes. */
export interface LocatedYaml {
  /** Whether `data` holds the document: false after a read or syntax error, which `problems` then names. */
  parsed: boolean;
  data: unknown;
  problems: UsageError[];
  /** `file:line:col` of a node, or of its nearest ancestor when it is absent. */
  where(path: SchemaIssue['path'], atKey?: boolean): string;
  /** Schema issues as errors at their places, in document order. */
  locate(issues: SchemaIssue[]): UsageError[];
}

/** Parses a file's text, keeping where every node is, so each problem can be named at its line and column. */
export function locateYaml(file: string, text: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const where = (nodePath: SchemaIssue['path'], atKey = false): string => at(offsetOf(doc, nodePath, atKey));
  const locate = (issues: SchemaIssue[]): UsageError[] =>
    issues
      .map((issue) => ({ issue, offset: offsetOf(doc, issue.path, issue.atKey) }))
      .sort((a, b) => a.offset - b.offset)
      .map(({ issue, offset }) => new UsageError(at(offset), describeIssue(issue)));
  const failed = (problems: UsageError[]): LocatedYaml => ({ parsed: false, data: undefined, problems, where, locate });
  const yamlErrors = [...doc.errors, ...doc.warnings];
  if (yamlErrors.length > 0) return failed(yamlErrors.map((e) => new UsageError(at(e.pos[0]), `invalid YAML: ${e.message}`)));
  try {
    return { parsed: true, data: doc.toJS(), problems: [], where, locate };
  } catch (error) {
    // An alias to a missing anchor only fails here, after parsing succeeded.
    return failed([new UsageError(at(0), `invalid YAML: ${(error as Error).message}`)]);
  }
}

export async function readLocatedYaml(file: string): Promise<LocatedYaml> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return { parsed: false, data: undefined, problems: [new UsageError(file, `cannot read: ${reason}`)], where: () => file, locate: () => [] };
  }
  return locateYaml(file, text);
}

/**
 * Parses a YAML file's text and checks it, placing every problem at its line and column, so a user
 * fixes them all in one pass (case.yaml, lab.yaml).
 */
export function parseLocatedYaml<T>(file: string, text: string, check: (data: unknown) => Checked<T>): { value?: T; problems: UsageError[]; where: LocatedYaml['where'] } {
  const located = locateYaml(file, text);
  if (!located.parsed) return { problems: located.problems, where: located.where };
  const checked = check(located.data);
  if (checked.ok) return { value: checked.value, problems: [], where: located.where };
  return { problems: located.locate(checked.issues), where: located.where };
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
