import { UsageError } from '../model/errors.js';
import { nearMiss } from '../select/schema-issues.js';
import { CONFIG_NAMES, type LoadedConfig } from './load-config.js';
import { resolveSettings, type ResolvedSettings, type RunSettings, type SettingsLayer } from './settings.js';

/** One run a command line asks for: a project of the config file, or the flags alone. */
export interface ProjectRun {
  /** Absent for a run without projects. */
  name?: string;
  /** The config file it came from, if any. */
  config?: string;
  resolved: ResolvedSettings;
}

/**
 * `--project` picks projects by name (each once, in the order given); without it every project
 * runs, in the file's order. Without a config file, or in one with no projects, there is one run.
 */
export function selectProjects(config: LoadedConfig | undefined, wanted: readonly string[], flag: SettingsLayer, defaults: RunSettings): ProjectRun[] {
  if (config === undefined) {
    if (wanted.length > 0) throw new UsageError('--project', `there is no config file to take projects from (${CONFIG_NAMES.join(', ')} here or above, up to the repository root; or --config FILE)`);
    return [{ resolved: resolveSettings({ flag, default: defaults }) }];
  }
  const base = { config: config.file };
  if (config.projects.length === 0) {
    if (wanted.length > 0) throw new UsageError('--project', `${config.file} defines no projects`);
    return [{ ...base, resolved: resolveSettings({ flag, config: config.top, default: defaults }) }];
  }
  const names = config.projects.map((p) => p.name);
  const chosen = wanted.length === 0 ? config.projects : [...new Set(wanted)].map((name) => {
    const project = config.projects.find((p) => p.name === name);
    if (project) return project;
    const meant = nearMiss(name, names);
    throw new UsageError('--project', `no project "${name}" in ${config.file} (${meant ? `did you mean ${meant}?` : `its projects: ${names.join(', ')}`})`);
  });
  return chosen.map((project) => ({ ...base, name: project.name, resolved: resolveSettings({ flag, project: project.settings, config: config.top, default: defaults }) }));
}
