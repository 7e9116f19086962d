import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ImportedCase } from './rtf-plan.js';

export interface WriteOutcome {
  imported: ImportedCase;
  /** The case folder written, or undefined when one by that id was there already. */
  dir?: string;
}

/**
 * Writes `<out>/<id>/case.yaml` and `files/`. An existing case folder is left as it is: an import
 * never overwrites a case someone may have edited since. Ids only hold [a-z0-9._-], so every path
 * stays inside `out`.
 */
export async function writeCases(cases: ImportedCase[], out: string): Promise<WriteOutcome[]> {
  await mkdir(out, { recursive: true });
  const outcomes: WriteOutcome[] = [];
  for (const imported of cases) {
    const dir = join(out, imported.id);
    try {
      await mkdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      outcomes.push({ imported });
      continue;
    }
    await mkdir(join(dir, 'files'));
    for (const [name, bytes] of imported.files) await writeFile(join(dir, 'files', name), bytes, { flag: 'wx', mode: 0o644 });
    await writeFile(join(dir, 'case.yaml'), caseYaml(imported), { flag: 'wx' });
    outcomes.push({ imported, dir });
  }
  return outcomes;
}

function caseYaml({ test, caseFile, notes }: ImportedCase): string {
  // One line each: a folder name with a line break must not end the comment and start YAML.
  const comment = (text: string) => `# ${text.replace(/[\r\n]+/g, ' ')}`;
  const header = [comment(`Imported from the rtf test ${test.name} (${test.rel}).`), ...notes.map((n) => comment(`${n}.`))];
  return `${header.join('\n')}\n${stringify(caseFile)}`;
}
