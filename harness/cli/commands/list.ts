import { resolve } from 'node:path';
import type { Reaper } from '../../lifecycle/reaper.js';
import { discoverCases } from '../../select/load.js';
import { selectCases, type SelectTarget } from '../../select/select.js';
import { createPlatforms } from '../../../platforms/registry.js';
import { scrubLine } from '../../report/scrub-line.js';

export interface ListFlags {
  platform: string;
  grep?: string;
  label: string[];
  cases: string;
}

/** `harness list`: what a run would select on each platform, and why the rest is left out. */
export async function listCommand(flags: ListFlags, reaper: Reaper, cache: string, write: (text: string) => void): Promise<void> {
  const platforms = createPlatforms(flags.platform, { reaper, cacheDir: resolve(cache), options: {} });
  // Platforms whose name gives the arch need no probe; a host has to be asked.
  const targets: SelectTarget[] = await Promise.all(
    platforms.map(async (p) => ({ name: p.name, kind: p.kind, arch: p.arch ?? (await p.probe({ kind: 'host', name: 'host' })).arch ?? 'unknown' })),
  );
  const cases = await discoverCases(flags.cases);
  const { selected, skipped } = selectCases(cases, { targets, grep: flags.grep, labels: flags.label });
  const width = Math.max(8, ...targets.map((t) => t.name.length));
  // Summaries and reasons are a case file's text: nothing in them may act on the terminal.
  for (const s of selected) write(`${s.target.name.padEnd(width)} ${s.case.id.padEnd(20)} ${scrubLine(s.case.summary)}\n`);
  for (const s of skipped) write(`${'skip'.padEnd(width)} ${s.caseId.padEnd(20)} ${scrubLine(`${s.platform ? `${s.platform}: ` : ''}${s.reason}`)}\n`);
}
