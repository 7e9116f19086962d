import { formatBytes, describeChange, allChanges, headline } from '../history/render-format.js';
import { median } from '../history/stats.js';
import type { RegressionReport } from '../history/types.js';
import type { ImageSizes } from '../metrics/types.js';
import type { BootRecord, CaseResult, ErrorClass, RunSummary } from '../model/types.js';
import { firstFailure, firstLines } from './first-failure.js';
import { groupBy } from './group-by.js';
import { markdownText as md } from './markdown-text.js';

/** What a job summary can show beyond the run's own results, when the caller has it. */
export interface StepSummaryExtras {
  /** Image sizes by platform name. */
  sizes?: Record<string, ImageSizes>;
  regressions?: RegressionReport;
}

/** GitHub cuts a step summary at 1 MiB; the list of failures is what grows with the run. */
const FAILURES_SHOWN = 30;
const DIAGNOSTIC_LINES = 20;
const ERROR_CLASSES: readonly ErrorClass[] = ['infra', 'boot', 'timeout', 'harness'];

const table = (head: string[], rows: string[][]): string[] => [
  `| ${head.join(' | ')} |`,
  `| --- |${' ---: |'.repeat(head.length - 1)}`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

function countsTable(results: CaseResult[], platforms: string[]): string[] {
  const byPlatform = groupBy(results, (r) => r.platform);
  const rows = platforms.map((p) => {
    const ran = byPlatform.get(p) ?? [];
    const count = (match: (r: CaseResult) => boolean): string => String(ran.filter(match).length);
    return [
      md(p),
      ...(['pass', 'fail', 'flaky', 'skip'] as const).map((o) => count((r) => r.outcome === o)),
      ...ERROR_CLASSES.map((c) => count((r) => r.outcome === 'error' && (r.errorClass ?? 'harness') === c)),
    ];
  });
  const head = ['Platform', 'Passed', 'Failed', 'Flaky', 'Skipped', ...ERROR_CLASSES.map((c) => `Errors: ${c}`)];
  return table(head, rows);
}

/** Phases in the order they happen: by their median over every boot, since platforms name different ones. */
function phaseTable(boots: BootRecord[]): string[] {
  const phasesOf = (b: BootRecord): [string, number][] => Object.entries(b.phases).filter((e): e is [string, number] => e[1] !== undefined);
  const values = groupBy(boots.flatMap(phasesOf), ([name]) => name);
  const phases = [...values].map(([name, v]) => ({ name, at: median(v.map(([, ms]) => ms)) })).sort((a, b) => a.at - b.at);
  if (!phases.length) return [];
  const rows = [...groupBy(boots, (b) => b.platform)].map(([platform, ofPlatform]) => {
    const cells = phases.map(({ name }) => {
      const ms = ofPlatform.flatMap((b) => phasesOf(b).filter(([n]) => n === name).map(([, v]) => v));
      return ms.length ? String(Math.round(median(ms))) : '–';
    });
    return [md(platform), String(ofPlatform.length), ...cells];
  });
  return ['### Boot phases', '', 'Median ms since the machine started.', '', ...table(['Platform', 'Boots', ...phases.map((p) => p.name)], rows), ''];
}

function sizesTable(sizes: Record<string, ImageSizes>): string[] {
  const rows = Object.entries(sizes).map(([p, s]) => [md(p), ...[s.kernel, s.initrd, s.initrdUncompressed, s.total].map(formatBytes)]);
  return ['### Image sizes', '', ...table(['Platform', 'Kernel', 'Initrd', 'Initrd unpacked', 'Total'], rows), ''];
}

function regressionList(report: RegressionReport): string[] {
  const changes = allChanges(report.platforms).map(({ platform, metric }) => `- ${metric.verdict}: ${md(platform.platform)}, ${md(describeChange(metric, platform))}`);
  return ['### Regressions', '', `**${md(headline(report))}**`, '', ...changes, ''];
}

/** A fence no line of the text can close: longer than any run of backticks in it. */
function fenced(text: string, info: string): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, text, fence];
}

function failureSection(r: CaseResult): string[] {
  const what = r.outcome === 'error' ? `error (${r.errorClass ?? 'harness'})` : 'failed';
  const first = firstFailure(r);
  const lines = [`#### ${md(r.caseId)} on ${md(r.platform)}: ${what}`, ''];
  if (r.reason) lines.push(md(r.reason), '');
  if (first) lines.push(`Assert: ${md(first.path)}`, '');
  if (first?.diagnostic) lines.push(...fenced(firstLines(first.diagnostic, DIAGNOSTIC_LINES), 'yaml'), '');
  return lines;
}

function failures(results: CaseResult[]): string[] {
  const failed = results.filter((r) => r.outcome === 'fail' || r.outcome === 'error');
  if (!failed.length) return [];
  const more = failed.length > FAILURES_SHOWN ? [`… and ${failed.length - FAILURES_SHOWN} more; see junit.xml or report.html.`, ''] : [];
  return ['### Failures', '', ...failed.slice(0, FAILURES_SHOWN).flatMap(failureSection), ...more];
}

/** The job summary: what a reviewer reads on the run's page without opening the log. */
export function renderStepSummary(summary: RunSummary, platforms: string[], extras: StepSummaryExtras = {}): string {
  const { results } = summary;
  const bad = results.filter((r) => r.outcome === 'fail' || r.outcome === 'error').length;
  const verdict = !results.length
    ? 'no cases ran'
    : bad
      ? `${bad} of ${results.length} cases failed or errored`
      : `all ${results.length} cases passed or were skipped`;
  const shown = [...new Set([...platforms, ...results.map((r) => r.platform)])];
  return [
    `## harness run ${md(summary.runId)}: ${verdict}`,
    '',
    ...countsTable(results, shown),
    '',
    ...phaseTable(summary.boots),
    ...(extras.sizes && Object.keys(extras.sizes).length ? sizesTable(extras.sizes) : []),
    ...(extras.regressions ? regressionList(extras.regressions) : []),
    ...failures(results),
  ].join('\n');
}
