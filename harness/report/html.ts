import type { Reporter, RunInfo, RunSummary } from '../model/types.js';
import { htmlReportData } from './html-data.js';
import { renderHtmlPage } from './html-page.js';
import { writeFileAtomic } from '../lifecycle/write-atomic.js';

export interface HtmlReporterOptions {
  /** report.html, replaced atomically when the run ends. */
  path: string;
  /**
   * Applied to console text read from disk: unlike the events, console logs never pass the
   * redacting reporter. Default: unchanged.
   */
  redact?: (text: string) => string;
  /** Bytes of console log embedded per boot; default CONSOLE_BUDGET. */
  consoleBudget?: number;
}

/** report.html: the whole run in one offline page, to filter, search and read case by case. */
export class HtmlReporter implements Reporter {
  readonly #options: HtmlReporterOptions;
  #info: RunInfo | undefined;

  constructor(options: HtmlReporterOptions) {
    this.#options = options;
  }

  onRunBegin(info: RunInfo): void {
    this.#info = info;
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    const { redact = (t: string) => t, consoleBudget } = this.#options;
    const data = await htmlReportData(summary, this.#info, { redact, consoleBudget });
    await writeFileAtomic(this.#options.path, renderHtmlPage(data));
  }
}
