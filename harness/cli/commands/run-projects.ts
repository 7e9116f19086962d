import { join, resolve } from 'node:path';
import type { ProjectRun } from '../../config/select-projects.js';
import type { RunSettings } from '../../config/settings.js';
import type { Reaper } from '../../lifecycle/reaper.js';
import { UsageError } from '../../model/errors.js';
import { EXIT, type ExitCode } from '../../model/types.js';
import { pointLatest, prepareOutDir } from '../out-dir.js';
import { runCommand, type RunFlags, type Terminal } from './run.js';

/** The flags of `harness run` that no project sets: output, sharding, history, capacity. */
export type RunOnlyFlags = Omit<RunFlags, 'platform' | 'image' | 'grep' | 'label' | 'reporter' | 'timeout' | 'cases' | 'retries' | 'infraRetries' | 'bootTimeout' | 'platformOptions'>;

export function runFlagsOf(settings: RunSettings, rest: RunOnlyFlags): RunFlags {
  return {
    ...rest,
    platform: settings.platform,
    ...(settings.image !== undefined && { image: settings.image }),
    ...(settings.grep !== undefined && { grep: settings.grep }),
    label: settings.labels,
    reporter: settings.reporters,
    ...(settings.timeout !== undefined && { timeout: settings.timeout }),
    ...(settings.bootTimeout !== undefined && { bootTimeout: settings.bootTimeout }),
    cases: settings.cases,
    retries: settings.retries,
    infraRetries: settings.infraRetries,
    platformOptions: settings.options,
  };
}

/** 1 when any project had a test fail, else 3 when any could not run something, else 0 (as for one run). */
function worst(codes: ExitCode[]): ExitCode {
  if (codes.includes(EXIT.testFailed)) return EXIT.testFailed;
  return codes.includes(EXIT.infra) ? EXIT.infra : EXIT.ok;
}

/**
 * Runs each project in turn, so they never compete for the same cores. With several, each writes
 * into `<out>/<project>` and `out/latest` points at the folder that holds them all.
 */
export async function runProjects(runs: ProjectRun[], rest: RunOnlyFlags, terminal: Terminal, reaper: Reaper): Promise<ExitCode> {
  const [only] = runs;
  if (only !== undefined && runs.length === 1) return (await inProject(only, () => runCommand(runFlagsOf(only.resolved.settings, rest), terminal, reaper))).exitCode;
  const out = resolve(rest.out ?? join('out', new Date().toISOString().replace(/[:.]/g, '-')));
  await prepareOutDir(out, { force: rest.forceOut === true });
  if (rest.out === undefined) await pointLatest(out);
  const codes: ExitCode[] = [];
  for (const run of runs) {
    if (reaper.stopped) break;
    terminal.write(`project ${run.name}: ${run.resolved.settings.platform}\n`);
    const flags = { ...runFlagsOf(run.resolved.settings, rest), out: join(out, run.name ?? 'run'), forceOut: false };
    codes.push((await inProject(run, () => runCommand(flags, terminal, reaper))).exitCode);
  }
  return worst(codes);
}

/** A flag's name in an error may stand for a project's setting: say which project it was. */
async function inProject<T>(run: ProjectRun, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (run.name === undefined || !(error instanceof UsageError)) throw error;
    throw new UsageError(`project ${run.name}`, error.message);
  }
}
