/**
 * The settings of a run that a config file's projects, its top level and the command line may each
 * give, and which of them wins. Plain data and one pure function: the CLI and `harness list` share it.
 */

export interface RunSettings {
  /** The --platform string, e.g. `qemu:x86_64` or `qemu:arm64,ssh:root@host`. */
  platform: string;
  /** A LinuxKit image prefix, absolute. */
  image?: string;
  /** Case folders, absolute. */
  cases: string[];
  /** Labels a case must carry one of; `!label` excludes. */
  labels: string[];
  grep?: string;
  /** Per-case timeout in seconds, overriding case.yaml. */
  timeout?: number;
  bootTimeout?: number;
  retries: number;
  infraRetries: number;
  reporters: string[];
  /** Platform options by their camelCase name (`channel`, `knownHosts`), as platforms read them. */
  options: Record<string, unknown>;
}

export type SettingKey = Exclude<keyof RunSettings, 'options'>;

/** Where a setting's value came from, highest first. */
export const SOURCES = ['flag', 'project', 'config', 'default'] as const;
export type Source = (typeof SOURCES)[number];

/** How each setting is spelt in a config file and in `harness list`. */
export const SETTING_NAMES: Record<SettingKey, string> = {
  platform: 'platform',
  image: 'image',
  cases: 'cases',
  labels: 'labels',
  grep: 'grep',
  timeout: 'timeout',
  bootTimeout: 'boot-timeout',
  retries: 'retries',
  infraRetries: 'infra-retries',
  reporters: 'reporters',
};

const SETTING_KEYS = Object.keys(SETTING_NAMES) as SettingKey[];

/** What one layer says: anything it leaves out falls through to the next. */
export type SettingsLayer = Partial<RunSettings>;

export interface Layers {
  /** Flags given on the command line; a flag left at its default is not here. */
  flag: SettingsLayer;
  project?: SettingsLayer;
  /** The config file's top level. */
  config?: SettingsLayer;
  default: RunSettings;
}

export interface ResolvedSettings {
  settings: RunSettings;
  sources: Record<SettingKey, Source>;
  /** By the same keys as `settings.options`. */
  optionSources: Record<string, Source>;
}

/**
 * A flag given on the command line wins over the project, the project over the config's top level,
 * and that over the defaults. Platform options are resolved one by one, so a project's `channel`
 * survives a `--identity` on the command line.
 */
export function resolveSettings(layers: Layers): ResolvedSettings {
  const ordered: Array<[Source, SettingsLayer | undefined]> = [
    ['flag', layers.flag],
    ['project', layers.project],
    ['config', layers.config],
    ['default', layers.default],
  ];
  const settings: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, Source>;
  for (const key of SETTING_KEYS) {
    const [source, layer] = ordered.find(([, l]) => l?.[key] !== undefined) ?? ['default', layers.default];
    settings[key] = layer?.[key];
    sources[key] = source;
  }
  const options: Record<string, unknown> = {};
  const optionSources: Record<string, Source> = {};
  const optionKeys = new Set(ordered.flatMap(([, l]) => Object.keys(l?.options ?? {})));
  for (const key of optionKeys) {
    const found = ordered.find(([, l]) => l?.options?.[key] !== undefined);
    if (!found) continue;
    options[key] = found[1]?.options?.[key];
    optionSources[key] = found[0];
  }
  return { settings: { ...(settings as Omit<RunSettings, 'options'>), options }, sources, optionSources };
}
