import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { Chalk } from 'chalk';
import type { BootRecord, CaseResult, Reporter, RunInfo, RunSummary } from '../model/types.js';
import { annotationLocation } from './annotation-location.js';
import { caseDetails, caseLine } from './case-lines.js';
import { scrubLine } from './scrub-line.js';
import { firstFailure, firstLines } from './first-failure.js';
import { renderStepSummary, type StepSummaryExtras } from './step-summary.js';
import { workflowCommand } from './workflow-command.js';

export interface GithubReporterOptions {
  /** The job's log (stdout). */
  write: (s: string) => void;
  /** GITHUB_WORKSPACE: annotations name files relative to it; without it, or for a case outside it, they name none. */
  workspace?: string;
  /** GITHUB_STEP_SUMMARY: the job summary is appended to this file when the run ends. */
  stepSummary?: string;
  /** Asked when the run ends for what the summary shows beyond the results (sizes, regressions). */
  extras?: (summary: RunSummary) => StepSummaryExtras | Promise<StepSummaryExtras>;
}

const ANNOTATION_LINES = 20;
/** GitHub's log viewer renders ANSI colours. */
const chalk = new Chalk({ level: 1 });

function annotationMessage(result: CaseResult): string {
  const first = firstFailure(result);
  const lines = [result.reason ?? result.outcome];
  if (first) lines.push(`not ok ${first.path}`);
  if (first?.diagnostic) lines.push(firstLines(first.diagnostic, ANNOTATION_LINES));
  return lines.join('\n');
}

function annotation(result: CaseResult, workspace: string | undefined): string | undefined {
  const command = result.outcome === 'fail' || result.outcome === 'error' ? 'error' : result.outcome === 'flaky' ? 'warning' : undefined;
  if (!command) return undefined;
  const what = result.outcome === 'error' ? `error (${result.errorClass ?? 'harness'})` : result.outcome === 'fail' ? 'failed' : 'flaky';
  const { file, line } = annotationLocation(result, workspace);
  return workflowCommand(command, { file, line, title: scrubLine(`${result.caseId} on ${result.platform}: ${what}`) }, annotationMessage(result));
}

/**
 * For GitHub Actions: one collapsed log group per boot, printed when the boot ends (parallel boots
 * would interleave otherwise), an annotation per failed case at its test's line or case.yaml, and
 * a job summary. Guest text in the log is fenced by stop-commands with a token no guest can know,
 * so a line like `::add-mask::` or `::error::` in a case's output stays text.
 */
export class GithubReporter implements Reporter {
  readonly #options: GithubReporterOptions;
  readonly #token = randomBytes(16).toString('hex');
  readonly #pending = new Map<string, CaseResult[]>();
  #platforms: string[] = [];

  constructor(options: GithubReporterOptions) {
    this.#options = options;
  }

  onRunBegin(info: RunInfo): void {
    this.#platforms = info.platforms;
  }

  onCaseEnd(result: CaseResult): void {
    const cases = this.#pending.get(result.bootId);
    if (cases) cases.push(result);
    else this.#pending.set(result.bootId, [result]);
  }

  onBootEnd(record: BootRecord): void {
    const cases = this.#pending.get(record.id) ?? [];
    this.#pending.delete(record.id);
    const bootError = record.outcome === 'error' ? [chalk.magenta(`BOOT ERROR[${record.errorClass ?? 'harness'}]`) + ` ${scrubLine(record.reason ?? '')}`] : [];
    this.#group(`${record.platform} boot ${record.id}: ${record.outcome}, ${cases.length} cases`, cases, bootError);
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    // Cases of a boot whose end never came (an interrupted run) still reach the log.
    for (const [bootId, cases] of this.#pending) this.#group(`boot ${bootId}: did not finish, ${cases.length} cases`, cases, []);
    this.#pending.clear();
    const { stepSummary, extras } = this.#options;
    if (stepSummary === undefined) return;
    const markdown = renderStepSummary(summary, this.#platforms, (await extras?.(summary)) ?? {});
    await appendFile(stepSummary, `${markdown}\n`);
  }

  #group(title: string, cases: CaseResult[], extra: string[]): void {
    const failed = (r: CaseResult) => r.outcome === 'fail' || r.outcome === 'error';
    const body = [...extra, ...cases.flatMap((r) => [caseLine(r, chalk), ...(failed(r) ? caseDetails(r, chalk) : [])])];
    const annotations = cases.map((r) => annotation(r, this.#options.workspace)).filter((a) => a !== undefined);
    const lines = [
      workflowCommand('group', {}, scrubLine(title)),
      workflowCommand('stop-commands', {}, this.#token),
      ...body,
      `::${this.#token}::`,
      workflowCommand('endgroup', {}),
      ...annotations,
    ];
    this.#options.write(`${lines.join('\n')}\n`);
  }
}
