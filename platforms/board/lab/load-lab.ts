import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../../../harness/model/errors.js';
import { parseLocatedYaml, YamlFileErrors } from '../../../harness/select/located-yaml.js';
import { checkLabFile, type BoardSpec, type LabFile } from './schema.js';

/** A lab file with its paths made absolute: relative ones are relative to the file's folder. */
export interface Lab extends LabFile {
  file: string;
  /** Where commands of the lab (power programs) run. */
  dir: string;
  /** Lease and health files. */
  stateDir: string;
}

/** Every problem in a lab file, each `file:line:col: field: problem`. */
export class LabFileErrors extends YamlFileErrors {}

/** Reads and checks a lab file; synchronous because the registry makes platforms synchronously. */
export function loadLab(file: string, cacheDir: string): Lab {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(path, `cannot read the lab file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const parsed = parseLocatedYaml(path, text, checkLabFile);
  if (!parsed.value || parsed.problems.length) throw new LabFileErrors(parsed.problems);
  const dir = dirname(path);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const boards = parsed.value.boards.map((b): BoardSpec => ({
    ...b,
    serial: 'device' in b.serial ? { ...b.serial, device: at(b.serial.device) } : b.serial,
    images: b.images === 'flash' ? b.images : { ...b.images, tftp: at(b.images.tftp) },
  }));
  return { ...parsed.value, boards, file: path, dir, stateDir: parsed.value.state ? at(parsed.value.state) : resolve(cacheDir, 'lab') };
}
