import type { Command } from 'commander';
import { findConfig, loadConfig } from '../../config/load-config.js';
import { selectProjects, type ProjectRun } from '../../config/select-projects.js';
import type { RunSettings, SettingKey, SettingsLayer } from '../../config/settings.js';
import { platformOptions } from '../../../platforms/registry.js';

/** The commander attribute of each setting's flag. */
const FLAG_OF: Record<SettingKey, string> = {
  platform: 'platform',
  image: 'image',
  cases: 'cases',
  labels: 'label',
  grep: 'grep',
  timeout: 'timeout',
  bootTimeout: 'bootTimeout',
  retries: 'retries',
  infraRetries: 'infraRetries',
  reporters: 'reporter',
};

/** Commander tells a value typed on the command line (or from the environment) from its default. */
const typed = (command: Command, attribute: string): boolean => ['cli', 'env'].includes(command.getOptionValueSource(attribute) ?? '');

/**
 * The command line as two layers: what was typed, which beats every project, and what commander
 * filled in, which every project and the config's top level beat.
 */
export function flagLayers(command: Command, optionKeys: Iterable<string>, reporterDefaults: string[]): { flag: SettingsLayer; defaults: RunSettings } {
  const opts = command.opts<Record<string, unknown>>();
  const flag: Record<string, unknown> = { options: {} };
  const defaults: Record<string, unknown> = { options: {} };
  for (const [key, attribute] of Object.entries(FLAG_OF)) (typed(command, attribute) ? flag : defaults)[key] = opts[attribute];
  for (const key of optionKeys) {
    const layer = typed(command, key) ? flag : defaults;
    if (opts[key] !== undefined) (layer['options'] as Record<string, unknown>)[key] = opts[key];
  }
  // `--reporter` collects into a list that starts empty; the defaults depend on where the run is.
  if (!typed(command, FLAG_OF.reporters)) defaults['reporters'] = reporterDefaults;
  return { flag: flag as SettingsLayer, defaults: defaults as unknown as RunSettings };
}

/** The runs a `run` or `list` command line asks for, from `--config` (or the file found above `cwd`) and `--project`. */
export async function projectRuns(command: Command, optionKeys: Iterable<string>, reporterDefaults: string[], cwd: string): Promise<ProjectRun[]> {
  const { config: given, project } = command.opts<{ config?: string; project: string[] }>();
  const file = given ?? findConfig(cwd);
  const config = file === undefined ? undefined : await loadConfig(file, platformOptions());
  const { flag, defaults } = flagLayers(command, optionKeys, reporterDefaults);
  return selectProjects(config, project, flag, defaults);
}
