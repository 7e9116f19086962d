/**
 * TAP and KTAP streams → TapSummary. TAP 12–14 goes through tap-parser; KTAP has its own small
 * parser because tap-parser only nests on 4-space indents and KTAP nests on any indent (2 in the
 * spec, 4 from kunit).
 */
import { Parser, type FinalResults, type Plan, type Result, type TapError } from 'tap-parser';
import type { TapAssert, TapFormat, TapPlan, TapSummary } from '../model/types.js';
import { capLines } from './cap-lines.js';

/** One level of a stream while it is read; `judge` turns it into a TapSummary. */
interface Level {
  format: TapFormat;
  plan?: TapPlan;
  asserts: TapAssert[];
  bailout?: string;
  problems: string[];
  /** tap-parser's own verdict on this level, where it read it. */
  upstream?: Upstream;
}

/** tap-parser's FinalResults, cut down to what the verdict needs. */
interface Upstream {
  ok: boolean;
  /** Its complaints that no rule of ours also states, as problems. */
  unexplained: string[];
  /** The others: named only when tap-parser is not ok and our rules found nothing. */
  explained: string[];
}

const newLevel = (format: TapFormat): Level => ({ format, asserts: [], problems: [] });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An omitted test point number is the previous one plus one (TAP 14 §Test Points). */
const nextId = (level: Level, explicit?: number): number =>
  explicit ?? (level.asserts.at(-1)?.id ?? 0) + 1;

function skipAllPlan(start: number, end: number, comment: string): TapPlan {
  if (start !== 1 || end !== 0) return { start, end };
  return { start, end, skipAll: comment.replace(/^skip\S*\s*/i, '') };
}

function planProblems(plan: TapPlan | undefined, asserts: TapAssert[]): string[] {
  if (!plan) return ['no plan'];
  const ran = asserts.length;
  if (plan.skipAll !== undefined) return ran ? [`plan 1..0 skips everything, but ${ran} ran`] : [];
  const problems = asserts
    .filter((a) => a.id < plan.start || a.id > plan.end)
    .map((a) => `test point ${a.id} is outside plan ${plan.start}..${plan.end}`);
  const planned = plan.end - plan.start + 1;
  if (ran !== planned) problems.push(`planned ${planned}, ran ${ran}`);
  return problems;
}

function idProblems(asserts: TapAssert[]): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  let outOfOrder = false;
  asserts.forEach((a, i) => {
    const before = asserts[i - 1];
    if (seen.has(a.id)) problems.push(`test point ${a.id} appears more than once`);
    // Reported once: after the first swap every later id is "out of order" too, which says nothing new.
    else if (before && a.id < before.id && !outOfOrder) {
      outOfOrder = true;
      problems.push(`test point ${a.id} is out of order (after ${before.id})`);
    }
    seen.add(a.id);
  });
  return problems;
}

/** Counts are disjoint: TODO wins over SKIP, and both excuse a `not ok`. */
function judge(level: Level): TapSummary {
  const { format, plan, asserts, bailout } = level;
  const counts = { total: asserts.length, pass: 0, fail: 0, skip: 0, todo: 0 };
  for (const a of asserts) {
    if (a.todo !== undefined) counts.todo++;
    else if (a.skip !== undefined) counts.skip++;
    else if (a.ok) counts.pass++;
    else counts.fail++;
  }
  const problems = [...level.problems, ...idProblems(asserts)];
  // A bail out explains the missing test points already.
  if (bailout === undefined) problems.push(...planProblems(plan, asserts));
  for (const a of asserts) {
    if (a.ok && a.subtest && !a.subtest.ok && a.todo === undefined && a.skip === undefined) {
      problems.push(`subtest "${a.name}" is not ok, but its test point is`);
    }
  }
  const { upstream } = level;
  if (upstream) problems.push(...upstream.unexplained);
  const ownOk = counts.fail === 0 && problems.length === 0 && bailout === undefined;
  // Never kinder than tap-parser: where it says not ok and no rule of ours agrees, its reasons stand.
  if (ownOk && upstream && !upstream.ok) {
    problems.push(...(upstream.explained.length ? upstream.explained : ['tap-parser: not ok']));
  }
  return {
    format,
    ...(plan && { plan }),
    asserts,
    ok: ownOk && problems.length === 0,
    ...(bailout !== undefined && { bailout }),
    problems,
    counts,
  };
}

/** tap-parser complaints that judge() states in its own words (plan, duplicate and range rules). */
const EXPLAINED =
  /^(?:id (?:less than plan start|greater than plan end)|test point id \d+ appears multiple times|no plan|incorrect number of tests|Plan of 1\.\.0, but test points encountered)$/;
const QUOTED_MAX = 80;

const quote = (line: string): string => JSON.stringify(line.trim().slice(0, QUOTED_MAX));

/**
 * One problem per kind of complaint, quoting its first line, so 10 000 stray lines make one problem.
 * Lines in `flagged` have a problem of their own already.
 */
function upstreamVerdict(results: FinalResults, flagged: ReadonlySet<string>): Upstream {
  const byError = new Map<string, { first: TapError; more: number }>();
  for (const failure of results.failures) {
    if (!failure.tapError || ('data' in failure && flagged.has(failure.data as string))) continue;
    const seen = byError.get(failure.tapError);
    if (seen) seen.more++;
    else byError.set(failure.tapError, { first: failure, more: 0 });
  }
  const verdict: Upstream = { ok: results.ok, unexplained: [], explained: [] };
  for (const [error, { first, more }] of byError) {
    const data: unknown = 'data' in first ? first.data : undefined;
    const line = typeof data === 'string' && data.trim() ? `: ${quote(data)}` : '';
    const text = `tap-parser: ${error}${line}${more ? ` (and ${more} more)` : ''}`;
    (EXPLAINED.test(error) ? verdict.explained : verdict.unexplained).push(text);
  }
  return verdict;
}

function toAssert(level: Level, res: Result): TapAssert {
  const a: TapAssert = { id: nextId(level, res.id || undefined), name: res.name, ok: res.ok };
  if (res.skip !== false) a.skip = res.skip === true ? '' : res.skip;
  if (res.todo !== false) a.todo = res.todo === true ? '' : res.todo;
  const diag: unknown = res.diag;
  // tap-parser moves `duration_ms` out of the block, which can leave it empty.
  if (isRecord(diag) ? Object.keys(diag).length : diag != null) {
    a.diag = isRecord(diag) ? diag : { value: diag };
  }
  return a;
}

/**
 * Fills `level` from one tap-parser level; a child becomes the subtest of its closing test point.
 * `flagged`: lines the caller already made a problem of.
 */
function listen(parser: Parser, level: Level, flagged: ReadonlySet<string> = new Set()): void {
  const children: { parser: Parser; level: Level }[] = [];
  parser.on('plan', (p: Plan) => (level.plan = skipAllPlan(p.start, p.end, p.comment)));
  parser.on('bailout', (reason: string) => (level.bailout = reason));
  parser.on('child', (child: Parser) => {
    const sub = newLevel(level.format);
    listen(child, sub);
    children.push({ parser: child, level: sub });
  });
  const fromResult = new Map<Result, TapAssert>();
  parser.on('assert', (res: Result) => {
    const a = toAssert(level, res);
    fromResult.set(res, a);
    const i = children.findIndex((c) => c.parser.closingTestPoint === res);
    const [child] = i < 0 ? [] : children.splice(i, 1);
    if (child) a.subtest = judge(child.level);
    level.asserts.push(a);
  });
  parser.on('complete', (results: FinalResults) => {
    level.upstream = upstreamVerdict(results, flagged);
    // Result.id is 0 for `ok` and for `ok 0` alike; only an explicit 0 can be out of range.
    for (const failure of results.failures) {
      const a = fromResult.get(failure as Result);
      if (a && failure.id === 0 && failure.tapError === 'id less than plan start') a.id = 0;
    }
    // tap-parser invents `1..0 # no tests found` for a stream without points; that is no plan.
    if (parser.syntheticPlan) delete level.plan;
    if (level.bailout !== undefined) return;
    for (const c of children) level.problems.push(`subtest "${c.parser.name}" has no test point`);
  });
}

const noTap = (): TapSummary => ({
  format: 'none',
  asserts: [],
  ok: false,
  problems: ['no TAP output'],
  counts: { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 },
});

function parseWithTapParser(text: string): TapSummary {
  const parser = new Parser();
  const level = newLevel('tap12');
  const flagged = new Set<string>();
  let versions = 0;
  parser.on('version', (v: number) => {
    // On a stream without test points tap-parser invents `TAP version 14` after marking its plan.
    if (parser.syntheticPlan) return;
    if (versions++) level.problems.push(`second version line "TAP version ${v}"`);
    else if (v !== 13 && v !== 14) level.problems.push(`unknown TAP version ${v}`);
    else level.format = v === 14 ? 'tap14' : 'tap13';
  });
  parser.on('extra', (extra: string) => {
    // tap-parser hands back a YAML block it could not parse as one multi-line extra; other
    // non-TAP text comes one line at a time.
    const yamlStart = /^\s*---\n\s*(\S.*)/.exec(extra);
    if (yamlStart) level.problems.push(`unparseable YAML diagnostic at "${yamlStart[1]}"`);
    // A version line tap-parser did not take is late (a second stream pasted on) or malformed.
    const version = /^TAP version\b.*/.exec(extra);
    if (version) {
      const late = /^TAP version \d+$/.test(version[0].trimEnd());
      level.problems.push(late ? `version line ${quote(version[0])} after the stream started` : `malformed version line ${quote(version[0])}`);
      flagged.add(extra);
    }
  });
  listen(parser, level, flagged);
  parser.end(text);
  const silent =
    level.format === 'tap12' &&
    !level.plan &&
    !level.asserts.length &&
    !level.problems.length &&
    level.bailout === undefined;
  return silent ? noTap() : judge(level);
}

/** KTAP line kinds, matched after the indentation is cut off; other lines carry no result. */
const KTAP_LINE = {
  version: /^K?TAP version (\d+)$/,
  plan: /^(\d+)\.\.(\d+)(?:\s*#\s*(.*))?$/,
  testPoint: /^(not )?ok(?: (\d+))?(?: -)?(?: (.*))?$/,
  bailout: /^Bail out!\s*(.*)$/i,
} as const;

type KtapLine = { indent: number; kind: keyof typeof KTAP_LINE; match: RegExpExecArray };

function ktapLineType(line: string): KtapLine | undefined {
  const body = line.trimStart();
  for (const [kind, pattern] of Object.entries(KTAP_LINE) as [KtapLine['kind'], RegExp][]) {
    const match = pattern.exec(body.trimEnd());
    if (match) return { indent: line.length - body.length, kind, match };
  }
  return undefined;
}

interface Directive {
  kind: 'skip' | 'todo';
  name: string;
  reason: string;
}

const isBlank = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

/**
 * `<name> # SKIP<anything> <reason>` (or TODO, any case): the first `#` at the start or after a blank
 * that such a word follows. Scanned by hand because a regex backtracks quadratically over a long run
 * of blanks; here each character is looked at a bounded number of times.
 */
function ktapDirective(description: string): Directive | undefined {
  for (let hash = description.indexOf('#'); hash >= 0; hash = description.indexOf('#', hash + 1)) {
    if (hash > 0 && !isBlank(description[hash - 1])) continue;
    let at = hash + 1;
    while (isBlank(description[at])) at++;
    const word = description.slice(at, at + 4).toUpperCase();
    if (word !== 'SKIP' && word !== 'TODO') continue;
    at += word.length;
    while (at < description.length && !isBlank(description[at])) at++;
    const name = description.slice(0, hash).trim();
    return { kind: word === 'TODO' ? 'todo' : 'skip', name, reason: description.slice(at).trim() };
  }
  return undefined;
}

interface Frame {
  indent: number;
  level: Level;
  /** A finished nested block waiting for the test point that closes it. */
  child?: TapSummary;
}

function parseKtap(lines: string[]): TapSummary {
  const stack: Frame[] = [];
  const closeTop = (): void => {
    const done = stack.pop();
    const parent = stack.at(-1);
    if (!done || !parent) return;
    if (parent.child) parent.level.problems.push('a nested test has no result line');
    parent.child = judge(done.level);
  };
  for (const line of lines) {
    const parsed = ktapLineType(line);
    if (!parsed) continue;
    const { indent, kind, match } = parsed;
    if (!stack.length) {
      if (kind === 'version') stack.push({ indent, level: newLevel('ktap') });
      continue;
    }
    while (stack.length > 1 && indent < (stack.at(-1) as Frame).indent) closeTop();
    let top = stack.at(-1) as Frame;
    const opens = indent > top.indent;
    if (opens) stack.push((top = { indent, level: newLevel('ktap') }));
    const level = top.level;
    // A nested test may open with its own version line; one inside a test that has begun is a second stream.
    if (kind === 'version' && !opens) {
      level.problems.push(`second version line ${quote(match[0])}`);
    } else if (kind === 'plan') {
      if (level.plan) level.problems.push(`second plan "${match[0]}"`);
      else level.plan = skipAllPlan(Number(match[1]), Number(match[2]), match[3] ?? '');
    } else if (kind === 'testPoint') {
      const description = match[3] ?? '';
      const directive = ktapDirective(description);
      const a: TapAssert = {
        id: nextId(level, match[2] === undefined ? undefined : Number(match[2])),
        name: directive?.name ?? description.trim(),
        ok: match[1] === undefined,
      };
      if (directive) a[directive.kind] = directive.reason;
      if (top.child) a.subtest = top.child;
      delete top.child;
      level.asserts.push(a);
    } else if (kind === 'bailout') {
      for (const f of stack) f.level.bailout = match[1] ?? '';
      break;
    }
  }
  while (stack.length > 1) closeTop();
  const root = stack[0];
  if (!root) return noTap();
  if (root.child && root.level.bailout === undefined) {
    root.level.problems.push('a nested test has no result line');
  }
  return judge(root.level);
}

/** Every byte is the guest's: lines are capped first, so no line costs either parser more than linear time. */
export function parseTap(text: string): TapSummary {
  const { lines, problems } = capLines(text);
  const version = lines.map((l) => /^\s*(K?)TAP version \d+/.exec(l)).find(Boolean);
  const tap = version?.[1] ? parseKtap(lines) : parseWithTapParser(lines.join('\n'));
  return problems.length ? { ...tap, ok: false, problems: [...tap.problems, ...problems] } : tap;
}

const PRINTK = /^(?:<\d+>)?\[\s*\d+\.\d+\] ?/;
const TAP_START = /^(?:K?TAP version \d+|\d+\.\.\d+|(?:not )?ok\b)/;
/** kunit always prints its header; a kernel message merely starting with "ok" must not count. */
const KERNEL_TAP_START = new RegExp(`${PRINTK.source}K?TAP version \\d+`);

/**
 * Cuts an image's own TAP out of its console. TAP printed by user space keeps its bare lines and
 * loses printk lines; TAP printed by the kernel itself (kunit) only exists inside printk lines, so
 * when the stream starts in one, prefixes are stripped instead and every line is kept.
 */
export function extractTapFromConsole(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const start = lines.findIndex((l) => TAP_START.test(l) || KERNEL_TAP_START.test(l));
  if (start < 0) return '';
  const fromKernel = PRINTK.test(lines[start] as string);
  const kept = lines
    .slice(start)
    .filter((l) => fromKernel || !PRINTK.test(l))
    .map((l) => l.replace(PRINTK, ''));
  return kept.join('\n');
}

export interface FailedAssert {
  /** Names from the top level down, joined with " > ". */
  path: string;
  assert: TapAssert;
}

/** The deepest failed asserts: a failed subtest is represented by its own failures, if it has any. */
export function failedAsserts(tap: TapSummary, prefix = ''): FailedAssert[] {
  return tap.asserts
    .filter((a) => !a.ok && a.todo === undefined && a.skip === undefined)
    .flatMap((a) => {
      const path = prefix + (a.name || `#${a.id}`);
      const inner = a.subtest ? failedAsserts(a.subtest, `${path} > `) : [];
      return inner.length ? inner : [{ path, assert: a }];
    });
}

const NAMES_SHOWN = 3;

/** One line for a case's `reason`: what failed, then what was wrong with the stream; '' if ok. */
export function summarizeFailure(tap: TapSummary): string {
  const parts: string[] = [];
  if (tap.bailout !== undefined) parts.push(tap.bailout ? `bailed out: ${tap.bailout}` : 'bailed out');
  if (tap.counts.fail > 0) {
    const names = failedAsserts(tap).map((f) => JSON.stringify(f.path.replace(/\s+/g, ' ')));
    const more = names.length > NAMES_SHOWN ? ` and ${names.length - NAMES_SHOWN} more` : '';
    const shown = names.slice(0, NAMES_SHOWN).join(', ');
    parts.push(`${tap.counts.fail} of ${tap.counts.total} failed: ${shown}${more}`);
  }
  parts.push(...tap.problems);
  return parts.join('; ').replace(/[\r\n]+/g, ' ');
}
