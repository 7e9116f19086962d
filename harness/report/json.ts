import { writeFileAtomic } from '../lifecycle/write-atomic.js';
import { InternalError } from '../model/errors.js';
import { instanceUsage } from './usage.js';
import type {
  BootRecord,
  CaseResult,
  ExitCode,
  Reporter,
  RunInfo,
  RunSummary,
  SkippedCase,
} from '../model/types.js';

export interface JsonReporterOptions {
  /** results.json, replaced atomically when the run ends. */
  path: string;
}

/** The file's shape; `schema` changes whenever a field changes meaning or goes away. */
export interface ResultsFile {
  schema: 1;
  runId: string;
  startedAt: string;
  durationMs: number;
  exitCode: ExitCode;
  platforms: string[];
  results: CaseResult[];
  boots: BootRecord[];
  skipped: SkippedCase[];
  /** Cloud instances' billed time over the run (each boot has its own `instanceSeconds`). */
  usage?: { instances: number; instanceSeconds: number };
}

/**
 * Machine-readable results for `harness report` and history. Written to a temporary name and
 * renamed, so a reader never sees half a file and an interrupted write leaves the old one intact.
 */
export class JsonReporter implements Reporter {
  readonly #path: string;
  #info: RunInfo | undefined;

  constructor(options: JsonReporterOptions) {
    this.#path = options.path;
  }

  onRunBegin(info: RunInfo): void {
    this.#info = info;
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    const info = this.#info;
    if (!info) throw new InternalError('json reporter: onRunEnd came before onRunBegin');
    const file: ResultsFile = {
      schema: 1,
      runId: summary.runId,
      startedAt: info.startedAt,
      durationMs: summary.durationMs,
      exitCode: summary.exitCode,
      platforms: info.platforms,
      results: summary.results,
      boots: summary.boots,
      skipped: summary.skipped,
    };
    const usage = instanceUsage(summary.boots);
    if (usage) file.usage = usage;
    await writeFileAtomic(this.#path, `${JSON.stringify(file, null, 2)}\n`);
  }
}
