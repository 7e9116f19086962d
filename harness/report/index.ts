import { join } from 'node:path';
import type { Reporter } from '../model/types.js';
import { GithubReporter, type GithubReporterOptions } from './github.js';
import { HtmlReporter } from './html.js';
import { HumanReporter } from './human.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import { TapReporter } from './tap-reporter.js';
import { checkReporterNames, type ReporterName } from './reporter-names.js';

export { checkReporterNames, defaultReporterNames, DEFAULT_REPORTER_NAMES, githubOptionsFromEnv, REPORTER_NAMES, type ReporterName } from './reporter-names.js';

export interface ReporterOptions {
  /** Folder for the file reporters: results.tap, junit.xml, results.json, report.html. */
  outDir: string;
  write: (s: string) => void;
  color: boolean;
  live: boolean;
  /** html: applied to console logs, which it reads from disk past the redacting reporter. */
  redact?: (text: string) => string;
  /** github: the checkout root (GITHUB_WORKSPACE) that annotations name case files relative to. */
  workspace?: string;
  /** github: the job summary file (GITHUB_STEP_SUMMARY). */
  stepSummary?: string;
  /** github: image sizes and regressions for the job summary, asked for when the run ends. */
  summaryExtras?: GithubReporterOptions['extras'];
}

const FACTORIES = {
  human: (o: ReporterOptions) => new HumanReporter({ write: o.write, color: o.color, live: o.live }),
  tap: (o: ReporterOptions) => new TapReporter({ path: join(o.outDir, 'results.tap') }),
  junit: (o: ReporterOptions) => new JunitReporter({ path: join(o.outDir, 'junit.xml') }),
  json: (o: ReporterOptions) => new JsonReporter({ path: join(o.outDir, 'results.json') }),
  html: (o: ReporterOptions) => new HtmlReporter({ path: join(o.outDir, 'report.html'), redact: o.redact }),
  github: (o: ReporterOptions) =>
    new GithubReporter({ write: o.write, workspace: o.workspace, stepSummary: o.stepSummary, extras: o.summaryExtras }),
} satisfies Record<ReporterName, (o: ReporterOptions) => Reporter>;


/** `--reporter` names → reporters, in the order given. */
export function createReporters(names: string[], opts: ReporterOptions): Reporter[] {
  return checkReporterNames(names).map((name) => FACTORIES[name](opts));
}
