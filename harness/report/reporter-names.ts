/**
 * Reporter names and the defaults, apart from the reporters themselves: the CLI needs these before
 * anything runs, and loading every reporter to learn their names slowed every start.
 */
import { UsageError } from '../model/errors.js';

export const REPORTER_NAMES = ['human', 'tap', 'junit', 'json', 'html', 'github'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** What a run reports without --reporter. */
export const DEFAULT_REPORTER_NAMES: readonly ReporterName[] = ['human', 'tap', 'junit', 'json', 'html'];

type Env = Readonly<Record<string, string | undefined>>;

/** The defaults, plus annotations and a job summary when running in GitHub Actions. */
export function defaultReporterNames(env: Env): ReporterName[] {
  return env['GITHUB_ACTIONS'] === 'true' ? [...DEFAULT_REPORTER_NAMES, 'github'] : [...DEFAULT_REPORTER_NAMES];
}

/** The github reporter's options from the variables GitHub Actions sets; read by the CLI, not the reporter. */
export function githubOptionsFromEnv(env: Env): { workspace?: string; stepSummary?: string } {
  return { workspace: env['GITHUB_WORKSPACE'], stepSummary: env['GITHUB_STEP_SUMMARY'] || undefined };
}

const isReporterName = (name: string): name is ReporterName => (REPORTER_NAMES as readonly string[]).includes(name);

/** Validates `--reporter` names, so a typo fails before anything boots; a name given twice counts once. */
export function checkReporterNames(names: string[]): ReporterName[] {
  return [...new Set(names)].map((name) => {
    if (!isReporterName(name)) {
      throw new UsageError('--reporter', `unknown reporter "${name}"; choose from ${REPORTER_NAMES.join(', ')}`);
    }
    return name;
  });
}
