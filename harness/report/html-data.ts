import { stringify } from 'yaml';
import type { BootRecord, CaseResult, ContainerResult, RunInfo, RunSummary, SkippedCase, TapAssert, TapSummary } from '../model/types.js';
import { readConsoleExcerpt, type ConsoleExcerpt } from './console-excerpt.js';

/** What report.html embeds: the run, with diagnostics already YAML text and console logs cut to size. */
export interface HtmlReportData {
  runId: string;
  startedAt?: string;
  durationMs: number;
  exitCode: number;
  platforms: string[];
  notSelected: SkippedCase[];
  cases: HtmlCase[];
  boots: HtmlBoot[];
}

export interface HtmlAssert {
  id: number;
  name: string;
  ok: boolean;
  skip?: string;
  todo?: string;
  diag?: string;
  subtest?: HtmlAssert[];
}

export interface HtmlContainer {
  name: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  format: TapSummary['format'];
  /** Absent for TAP: the output was judged another way and has no asserts to show. */
  result?: ContainerResult['result'];
  asserts: HtmlAssert[];
  problems: string[];
  bailout?: string;
  stdout: string;
  stderr: string;
}

export type HtmlCase = Omit<CaseResult, 'containers' | 'labels'> & { labels: string[]; containers: HtmlContainer[] };

export interface HtmlBoot {
  id: string;
  platform: string;
  arch: string;
  accel: string;
  image: string;
  kernelVersion?: string;
  repeat: number;
  /** Started from a saved snapshot: its phases are no boot's. */
  resumed?: true;
  outcome: BootRecord['outcome'];
  errorClass?: string;
  reason?: string;
  /** In the order they happened, whatever their names. */
  phases: [string, number][];
  console?: ConsoleExcerpt;
  /** Why there is no console, when there is none. */
  consoleNote?: string;
}

export interface HtmlDataOptions {
  redact: (text: string) => string;
  consoleBudget?: number;
}

function htmlAssert(a: TapAssert): HtmlAssert {
  const { diag, subtest, ...rest } = a;
  return {
    ...rest,
    ...(diag && { diag: stringify(diag).trimEnd() }),
    ...(subtest && { subtest: subtest.asserts.map(htmlAssert) }),
  };
}

function htmlCase(r: CaseResult): HtmlCase {
  return {
    ...r,
    labels: r.labels ?? [],
    containers: r.containers.map((c) => ({
      name: c.name,
      exitCode: c.exitCode,
      timedOut: c.timedOut,
      durationMs: c.durationMs,
      format: c.tap.format,
      ...(c.result && { result: c.result }),
      asserts: c.tap.asserts.map(htmlAssert),
      problems: c.tap.problems,
      ...(c.tap.bailout !== undefined && { bailout: c.tap.bailout }),
      stdout: c.stdout,
      stderr: c.stderr,
    })),
  };
}

async function htmlBoot(b: BootRecord, results: CaseResult[], options: HtmlDataOptions): Promise<HtmlBoot> {
  const phases = Object.entries(b.phases)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .sort((x, y) => x[1] - y[1]);
  const boot: HtmlBoot = {
    id: b.id,
    platform: b.platform,
    arch: b.arch,
    accel: b.accel,
    image: b.image,
    ...(b.kernelVersion && { kernelVersion: b.kernelVersion }),
    repeat: b.repeat,
    ...(b.resumed && { resumed: true as const }),
    outcome: b.outcome,
    ...(b.errorClass && { errorClass: b.errorClass }),
    ...(b.reason && { reason: b.reason }),
    phases,
  };
  if (!b.consoleLog) return { ...boot, consoleNote: 'no console log was recorded' };
  const cases = results.flatMap((r, index) => (r.bootId === b.id && r.console ? [{ index, range: r.console }] : []));
  try {
    return { ...boot, console: await readConsoleExcerpt(b.consoleLog, cases, options.redact, options.consoleBudget) };
  } catch (error) {
    // A missing log loses one section, not the report.
    return { ...boot, consoleNote: `console log unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}

export async function htmlReportData(summary: RunSummary, info: RunInfo | undefined, options: HtmlDataOptions): Promise<HtmlReportData> {
  const { results } = summary;
  return {
    runId: summary.runId,
    ...(info && { startedAt: info.startedAt }),
    durationMs: summary.durationMs,
    exitCode: summary.exitCode,
    platforms: [...new Set([...(info?.platforms ?? []), ...results.map((r) => r.platform)])],
    notSelected: summary.skipped,
    cases: results.map(htmlCase),
    boots: await Promise.all(summary.boots.map((b) => htmlBoot(b, results, options))),
  };
}
