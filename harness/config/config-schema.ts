/**
 * harness.config.{ts,js,json,yaml}: settings at the top level apply to every project; each project
 * names a platform and may override any of them, like Playwright's projects.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { REPORTER_NAMES } from '../report/reporter-names.js';
import { durationMs, LABEL_PATTERN, NAME_PATTERN, NAME_RULE } from '../select/schema.js';
import { toSchemaIssues, type SchemaIssue } from '../select/schema-issues.js';
import type { SettingsLayer } from './settings.js';
import type { PlatformOption } from '../../platforms/registry.js';

/** A platform option as a config file spells it: the flag's long name without dashes. */
export interface OptionSpec {
  /** `known-hosts` */
  key: string;
  /** `knownHosts`: what platforms read. */
  attribute: string;
  takesValue: boolean;
  path: boolean;
}

export function optionSpecs(options: readonly PlatformOption[]): OptionSpec[] {
  const specs = new Map<string, OptionSpec>();
  for (const option of options) {
    const key = /--([a-z0-9][a-z0-9-]*)/.exec(option.flags)?.[1];
    if (key === undefined || specs.has(key)) continue;
    const attribute = key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    specs.set(key, { key, attribute, takesValue: /[<[]/.test(option.flags), path: option.path === true });
  }
  return [...specs.values()];
}

const nonEmpty = z.string().min(1);
const count = z.number().int().min(0);
// `!label` excludes, as on the command line.
const label = z.string().refine((l) => LABEL_PATTERN.test(l.startsWith('!') ? l.slice(1) : l), {
  message: 'labels have no spaces or commas; !label excludes one',
});

function settingsShape(specs: OptionSpec[]) {
  const options = Object.fromEntries(specs.map((s) => [s.key, s.takesValue ? nonEmpty : z.boolean()]));
  return {
    platform: nonEmpty,
    image: nonEmpty,
    cases: z.union([nonEmpty, z.array(nonEmpty).min(1)], { errorMap: () => ({ message: 'expected a folder or a list of folders' }) }),
    labels: z.array(label),
    grep: nonEmpty,
    timeout: durationMs,
    'boot-timeout': durationMs,
    retries: count,
    'infra-retries': count,
    reporters: z.array(z.enum(REPORTER_NAMES)).min(1),
    options: z.object(options).partial().strict(),
  };
}

function configSchema(specs: OptionSpec[]) {
  const settings = z.object(settingsShape(specs)).partial();
  const project = settings.extend({ name: z.string().regex(NAME_PATTERN, { message: NAME_RULE }) }).strict();
  return settings.extend({ projects: z.array(project).optional() }).strict();
}

type Parsed = z.infer<ReturnType<typeof configSchema>>;
type ParsedSettings = Omit<Parsed, 'projects'>;

export interface ConfigProject {
  name: string;
  settings: SettingsLayer;
  /** Its index in `projects`, to place errors about it. */
  index: number;
}

export interface ConfigData {
  top: SettingsLayer;
  /** Empty when the file has no `projects`: then its top level is the one run. */
  projects: ConfigProject[];
}

export type ConfigCheck = { ok: true; value: ConfigData } | { ok: false; issues: SchemaIssue[] };

/**
 * Validates a config file's data and reports every problem, not just the first. Relative paths
 * (image, cases, path options) are made absolute against `dir`, the config file's folder.
 */
export function checkConfig(data: unknown, options: readonly PlatformOption[], dir: string): ConfigCheck {
  const specs = optionSpecs(options);
  const schema = configSchema(specs);
  const parsed = schema.safeParse(data);
  const knownKeys = (path: Array<string | number>): string[] => {
    if (path.at(-1) === 'options') return specs.map((s) => s.key);
    const keys = Object.keys(settingsShape(specs));
    return path.length === 0 ? [...keys, 'projects'] : ['name', ...keys];
  };
  const issues = [...(parsed.success ? [] : parsed.error.issues.flatMap((i) => toSchemaIssues(i, knownKeys))), ...duplicateNames(data)];
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const layer = (s: ParsedSettings): SettingsLayer => toLayer(s, specs, (p) => resolve(dir, p));
  const { projects = [], ...top } = parsed.data;
  return { ok: true, value: { top: layer(top), projects: projects.map(({ name, ...rest }, index) => ({ name, index, settings: layer(rest) })) } };
}

/** Read from the raw data so a duplicate is reported even beside type errors elsewhere. */
function duplicateNames(data: unknown): SchemaIssue[] {
  const projects = isRecord(data) ? data['projects'] : undefined;
  if (!Array.isArray(projects)) return [];
  const seen = new Map<string, number>();
  return projects.flatMap((project: unknown, index): SchemaIssue[] => {
    if (!isRecord(project) || typeof project['name'] !== 'string') return [];
    const first = seen.get(project['name']);
    if (first === undefined) seen.set(project['name'], index);
    return first === undefined ? [] : [{ path: ['projects', index, 'name'], message: `"${project['name']}" is also the name of projects[${first}]` }];
  });
}

function toLayer(s: ParsedSettings, specs: OptionSpec[], abs: (path: string) => string): SettingsLayer {
  const layer: SettingsLayer = {};
  if (s.platform !== undefined) layer.platform = s.platform;
  if (s.image !== undefined) layer.image = abs(s.image);
  if (s.cases !== undefined) layer.cases = (typeof s.cases === 'string' ? [s.cases] : s.cases).map(abs);
  if (s.labels !== undefined) layer.labels = s.labels;
  if (s.grep !== undefined) layer.grep = s.grep;
  if (s.timeout !== undefined) layer.timeout = s.timeout / 1000;
  if (s['boot-timeout'] !== undefined) layer.bootTimeout = s['boot-timeout'] / 1000;
  if (s.retries !== undefined) layer.retries = s.retries;
  if (s['infra-retries'] !== undefined) layer.infraRetries = s['infra-retries'];
  if (s.reporters !== undefined) layer.reporters = s.reporters;
  if (s.options !== undefined) {
    const given = s.options as Record<string, unknown>;
    layer.options = Object.fromEntries(
      specs.filter((spec) => given[spec.key] !== undefined).map((spec) => {
        const value = given[spec.key];
        return [spec.attribute, spec.path && typeof value === 'string' ? abs(value) : value];
      }),
    );
  }
  return layer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
