import { join } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { Reporter } from '../model/types.js';
import { GithubReporter, type GithubReporterOptions } from './github.js';
import { HtmlReporter } from './html.js';
import { HumanReporter } from './human.js';
import { JsonReporter } from './json.js';
import { JunitReporter } from './junit.js';
import { TapReporter } from './tap-reporter.js';

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
} satisfies Record<string, (o: ReporterOptions) => Reporter>;

export type ReporterName = keyof typeof FACTORIES;
export const REPORTER_NAMES = Object.keys(FACTORIES) as ReporterName[];

/** What a run reports without --reporter. */
export const DEFAULT_REPORTER_NAMES: readonly ReporterName[] = ['human', 'tap', 'junit', 'json', 'html'];

type Env = Readonly<Record<string, string | undefined>>;

/** The defaults, plus annotations and a job summary when running in GitHub Actions. */
export function defaultReporterNames(env: Env): ReporterName[] {
  return env['GITHUB_ACTIONS'] === 'true' ? [...DEFAULT_REPORTER_NAMES, 'github'] : [...DEFAULT_REPORTER_NAMES];
}

/** The github reporter's options from the variables GitHub Actions sets; read by the CLI, not the reporter. */
export function githubOptionsFromEnv(env: Env): Pick<ReporterOptions, 'workspace' | 'stepSummary'> {
  return { workspace: env['GITHUB_WORKSPACE'], stepSummary: env['GITHUB_STEP_SUMMARY'] || undefined };
}

const isReporterName = (name: string): name is ReporterName => Object.hasOwn(FACTORIES, name);

/** Validates `--reporter` names, so a typo fails before anything boots; a name given twice counts once. */
export function checkReporterNames(names: string[]): ReporterName[] {
  return [...new Set(names)].map((name) => {
    if (!isReporterName(name)) {
      throw new UsageError('--reporter', `unknown reporter "${name}"; choose from ${REPORTER_NAMES.join(', ')}`);
    }
    return name;
  });
}

/** `--reporter` names → reporters, in the order given. */
export function createReporters(names: string[], opts: ReporterOptions): Reporter[] {
  return checkReporterNames(names).map((name) => FACTORIES[name](opts));
}
