import { relative, resolve } from 'node:path';
import { planImport, type ImportedCase } from '../../import/rtf-plan.js';
import { readRtfTree } from '../../import/rtf-tree.js';
import { writeCases } from '../../import/write-cases.js';
import { scrubLine } from '../../report/scrub-line.js';

export interface ImportSummary {
  imported: number;
  existing: number;
  cannot: number;
}

/**
 * `harness import rtf DIR`: a case folder for each test that can run in a container, and for the rest
 * the reason it cannot. Names and reasons quote the tree, so each line is scrubbed for the terminal.
 */
export async function importRtf(dir: string, out: string, write: (text: string) => void): Promise<ImportSummary> {
  const tree = await readRtfTree(dir);
  const decisions = planImport(tree.tests);
  const cases = decisions.filter((d): d is ImportedCase => d.kind === 'case');
  const written = new Map((await writeCases(cases, resolve(out))).map((o) => [o.imported, o.dir]));
  const width = Math.max(12, ...tree.tests.map((t) => t.name.length));
  const line = (what: string, name: string, text: string) => write(`${what.padEnd(9)} ${scrubLine(name).padEnd(width)} ${scrubLine(text)}\n`);
  const summary: ImportSummary = { imported: 0, existing: 0, cannot: 0 };
  for (const decision of decisions) {
    if (decision.kind === 'cannot') {
      summary.cannot++;
      line('cannot', decision.test.name, decision.reason);
      continue;
    }
    const target = written.get(decision);
    const shown = relative(process.cwd(), resolve(out, decision.id)) || '.';
    if (target === undefined) {
      summary.existing++;
      line('exists', decision.test.name, `${shown} is there already; left as it is`);
      continue;
    }
    summary.imported++;
    const [container] = decision.caseFile.containers;
    line('imported', decision.test.name, `${shown} (${container?.run.at(-1)?.slice('/case/'.length)}, result: ${decision.caseFile.result})`);
    for (const note of decision.notes) line('', '', `note: ${note}`);
  }
  for (const skipped of tree.skipped) line('skipped', skipped.rel, skipped.reason);
  write(`${summary.imported} imported, ${summary.cannot} cannot run in a harness container, ${summary.existing} already there\n`);
  return summary;
}
