import { resolve } from 'node:path';
import type { Reaper } from '../../lifecycle/reaper.js';
import type { ProjectRun } from '../../config/select-projects.js';
import { SETTING_NAMES, type ResolvedSettings, type SettingKey, type Source } from '../../config/settings.js';
import { discoverSuites } from '../../select/load.js';
import { selectCases, type SelectTarget } from '../../select/select.js';
import { createPlatforms } from '../../../platforms/registry.js';
import { scrubLine } from '../../report/scrub-line.js';

const SOURCE_NAMES: Record<Source, string> = { flag: 'flag', project: 'project', config: 'config top level', default: 'default' };

/**
 * `harness list`: per project, its settings and where each came from, then what a run would select
 * on each platform, and why the rest is left out.
 */
export async function listCommand(runs: ProjectRun[], reaper: Reaper, cache: string, write: (text: string) => void): Promise<void> {
  for (const [index, run] of runs.entries()) {
    if (index > 0) write('\n');
    write(`${run.name === undefined ? 'settings' : `project ${run.name}`}${run.config === undefined ? ' (no config file)' : ` (${run.config})`}\n`);
    for (const [name, value, source] of settingRows(run.resolved)) write(`  ${name.padEnd(18)} ${scrubLine(value).padEnd(40)} ${SOURCE_NAMES[source]}\n`);
    write('\n');
    await listCases(run.resolved, reaper, cache, write);
  }
}

function settingRows({ settings, sources, optionSources }: ResolvedSettings): Array<[string, string, Source]> {
  const shown = (value: unknown): string => (value === undefined ? '-' : Array.isArray(value) ? value.join(', ') || '-' : String(value));
  const keys = Object.keys(SETTING_NAMES) as SettingKey[];
  const rows: Array<[string, string, Source]> = keys.map((key) => {
    const seconds = (key === 'timeout' || key === 'bootTimeout') && settings[key] !== undefined ? 's' : '';
    return [SETTING_NAMES[key], shown(settings[key]) + seconds, sources[key]];
  });
  for (const [key, value] of Object.entries(settings.options)) {
    rows.push([`options.${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, shown(value), optionSources[key] ?? 'default']);
  }
  return rows;
}

async function listCases(resolved: ResolvedSettings, reaper: Reaper, cache: string, write: (text: string) => void): Promise<void> {
  const { settings } = resolved;
  const platforms = createPlatforms(settings.platform, { reaper, cacheDir: resolve(cache), options: settings.options });
  // Platforms whose name gives the arch need no probe; a host has to be asked.
  const targets: SelectTarget[] = await Promise.all(
    platforms.map(async (p) => ({ name: p.name, kind: p.kind, arch: p.arch ?? (await p.probe({ kind: 'host', name: 'host' })).arch ?? 'unknown' })),
  );
  const cases = await discoverSuites(settings.cases);
  const { selected, skipped } = selectCases(cases, { targets, grep: settings.grep, labels: settings.labels });
  const width = Math.max(8, ...targets.map((t) => t.name.length));
  // Summaries and reasons are a case file's text: nothing in them may act on the terminal.
  for (const s of selected) write(`${s.target.name.padEnd(width)} ${s.case.id.padEnd(20)} ${scrubLine(s.case.summary)}\n`);
  for (const s of skipped) write(`${'skip'.padEnd(width)} ${s.caseId.padEnd(20)} ${scrubLine(`${s.platform ? `${s.platform}: ` : ''}${s.reason}`)}\n`);
}
