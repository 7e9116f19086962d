import { scrubLine } from './scrub-line.js';
import { writeFileAtomic } from '../lifecycle/write-atomic.js';
import { stringify } from 'yaml';
import type {
  CaseResult,
  Reporter,
  RunSummary,
  TapAssert,
  TapPlan,
  TapSummary,
} from '../model/types.js';

export interface TapReporterOptions {
  /** The merged TAP 14 file, written when the run ends. */
  path: string;
}

/** What re-emitting needs from a stream: the parsed outcome, not its original bytes. */
type TapBody = Pick<TapSummary, 'plan' | 'asserts' | 'bailout'>;

const INDENT = '    ';

/** Names and reasons must stay on one line and must not open a directive early. */
function escapeTapText(text: string): string {
  return scrubLine(text).replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

function diagLines(diag: Record<string, unknown> | undefined): string[] {
  if (!diag || !Object.keys(diag).length) return [];
  const yaml = stringify(diag).trimEnd().split('\n');
  return ['  ---', ...yaml.map((l) => `  ${l}`), '  ...'];
}

function planLine(plan: TapPlan): string {
  const skip = plan.skipAll === undefined ? '' : ` # SKIP ${escapeTapText(plan.skipAll)}`;
  return `${plan.start}..${plan.end}${skip}`.trimEnd();
}

function pointLine(ok: boolean, id: number, name: string, directive: string): string {
  const escaped = escapeTapText(name);
  return `${ok ? 'ok' : 'not ok'} ${id}${escaped ? ` - ${escaped}` : ''}${directive}`;
}

function directiveOf(a: Pick<TapAssert, 'skip' | 'todo'>): string {
  if (a.todo !== undefined) return ` # TODO ${escapeTapText(a.todo)}`.trimEnd();
  if (a.skip !== undefined) return ` # SKIP ${escapeTapText(a.skip)}`.trimEnd();
  return '';
}

function subtestLines(name: string, body: TapBody): string[] {
  return [`# Subtest: ${escapeTapText(name)}`, ...bodyLines(body).map((l) => INDENT + l)];
}

function bodyLines(body: TapBody): string[] {
  const lines = body.plan ? [planLine(body.plan)] : [];
  for (const a of body.asserts) {
    if (a.subtest) lines.push(...subtestLines(a.name, a.subtest));
    lines.push(pointLine(a.ok, a.id, a.name, directiveOf(a)), ...diagLines(a.diag));
  }
  // A nested `Bail out!` would stop the whole merged stream, not just this case.
  if (body.bailout !== undefined) lines.push(`# bailed out: ${escapeTapText(body.bailout)}`);
  return lines;
}

/** A case's own TAP; several containers become one subtest each. */
function caseBody(result: CaseResult): TapBody | undefined {
  const withTap = result.containers.filter((c) => c.tap.format !== 'none');
  if (!withTap.length) return undefined;
  if (result.containers.length === 1) return withTap[0]?.tap;
  return {
    plan: { start: 1, end: result.containers.length },
    asserts: result.containers.map((c, i) => ({
      id: i + 1,
      name: c.name,
      ok: c.tap.ok,
      ...(c.tap.format !== 'none' && { subtest: c.tap }),
    })),
  };
}

function caseLines(result: CaseResult, id: number): string[] {
  const name = `${result.caseId} [${result.platform}]`;
  const body = caseBody(result);
  const ok = result.outcome === 'pass' || result.outcome === 'flaky' || result.outcome === 'skip';
  const directive =
    result.outcome === 'skip'
      ? directiveOf({ skip: result.reason ?? '' })
      : ` # time=${Math.round(result.durationMs)}ms`;
  const diag =
    result.outcome === 'pass' || result.outcome === 'skip'
      ? undefined
      : {
          outcome: result.outcome,
          ...(result.errorClass && { errorClass: result.errorClass }),
          ...(result.reason && { reason: result.reason }),
          attempts: result.attempts,
          bootId: result.bootId,
        };
  return [
    ...(body ? subtestLines(name, body) : []),
    pointLine(ok, id, name, directive),
    ...diagLines(diag),
  ];
}

function renderTap(summary: RunSummary): string {
  const lines = ['TAP version 14', `1..${summary.results.length}`];
  summary.results.forEach((r, i) => lines.push(...caseLines(r, i + 1)));
  return `${lines.join('\n')}\n`;
}

/** One TAP 14 stream for the whole run: a test point per (case, platform), its own TAP nested. */
export class TapReporter implements Reporter {
  readonly #path: string;

  constructor(options: TapReporterOptions) {
    this.#path = options.path;
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    await writeFileAtomic(this.#path, renderTap(summary));
  }
}
