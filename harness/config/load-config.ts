import { existsSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../model/errors.js';
import { CaseFileErrors } from '../select/load.js';
import { readLocatedYaml } from '../select/located-yaml.js';
import { describeIssue } from '../select/schema-issues.js';
import { checkConfig, type ConfigData } from './config-schema.js';
import type { PlatformOption } from '../../platforms/registry.js';

export const CONFIG_NAMES = ['harness.config.ts', 'harness.config.js', 'harness.config.json', 'harness.config.yaml'] as const;

export interface LoadedConfig extends ConfigData {
  file: string;
  /** Where a project is defined (`file:line:col` for YAML and JSON, the file and its key path otherwise), for errors about it. */
  whereProject(index: number): string;
}

/**
 * The config file in `cwd` or the nearest folder above it, up to the repository root (the first
 * folder with a `.git`); undefined when there is none. A few stat calls: a run without a config
 * loads nothing more.
 */
export function findConfig(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = CONFIG_NAMES.map((name) => join(dir, name)).filter((file) => existsSync(file));
    if (found.length > 1) throw new UsageError(dir, `${found.map((f) => f.slice(dir.length + 1)).join(' and ')} are both config files: keep one`);
    if (found[0] !== undefined) return found[0];
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return undefined;
  }
}

/** Reads and validates a config file; throws CaseFileErrors listing every problem in it. */
export async function loadConfig(file: string, options: readonly PlatformOption[]): Promise<LoadedConfig> {
  const abs = resolve(file);
  const dir = dirname(abs);
  const ext = extname(abs);
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    const doc = await readLocatedYaml(abs);
    if (!doc.parsed) throw new CaseFileErrors(doc.problems);
    const check = checkConfig(doc.data, options, dir);
    if (!check.ok) throw new CaseFileErrors(doc.locate(check.issues));
    return { ...check.value, file: abs, whereProject: (index) => doc.where(['projects', index, 'name']) };
  }
  if (ext !== '.ts' && ext !== '.js' && ext !== '.mjs' && ext !== '.mts') {
    throw new UsageError(abs, `a config file is .ts, .js, .json or .yaml, not ${ext || 'without an extension'}`);
  }
  const data = await importConfig(abs, ext);
  const check = checkConfig(data, options, dir);
  if (!check.ok) throw new CaseFileErrors(check.issues.map((issue) => new UsageError(abs, describeIssue(issue))));
  return { ...check.value, file: abs, whereProject: (index) => `${abs}: projects[${index}]` };
}

/** The module's default export; tsx is loaded only for TypeScript. */
async function importConfig(file: string, ext: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  if (!existsSync(file)) throw new UsageError(file, 'cannot read: ENOENT');
  try {
    const loaded = (ext === '.ts' || ext === '.mts' ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as { default?: unknown };
    // tsx loads a .ts file outside an ESM package as CommonJS, whose exports object is the default.
    const value = isCommonJsWrapper(loaded.default) ? loaded.default.default : loaded.default;
    if (value === undefined) throw new UsageError(file, 'has no default export: `export default { projects: [...] }`');
    return value;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(file, `cannot load: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isCommonJsWrapper(value: unknown): value is { default: unknown } {
  return typeof value === 'object' && value !== null && 'default' in value && Object.keys(value).every((key) => key === 'default' || key === '__esModule');
}
