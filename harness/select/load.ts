import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../model/errors.js';
import type { CaseDef } from '../model/types.js';
import { openCaseImage } from '../image/open-image.js';
import { confinementProblem } from './confine.js';
import { checkCaseFile, NAME_PATTERN, NAME_RULE, type CaseFile } from './schema.js';
import { readLocatedYaml, YamlFileErrors, type LocatedYaml } from './located-yaml.js';

/** Every problem found in the case files, so a user can fix them all in one pass. */
export class CaseFileErrors extends YamlFileErrors {}

/** Loads `<dir>/case.yaml`; the folder name is the case id. Throws CaseFileErrors listing every problem. */
export async function loadCase(dir: string): Promise<CaseDef> {
  const read = await readCase(path.resolve(dir));
  if (read.problems.length > 0 || read.def === undefined) throw new CaseFileErrors(read.problems);
  return read.def;
}

/**
 * Loads every `<root>/<id>/case.yaml`, sorted by id. Folders without one are not cases and are left
 * alone. Throws CaseFileErrors listing the problems of every file.
 */
export async function discoverCases(root: string): Promise<CaseDef[]> {
  const abs = path.resolve(root);
  const names = await readdir(abs).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(abs, `cannot read the cases folder: ${error.code ?? error.message}`);
  });
  const visible = names.filter((name) => !name.startsWith('.')).sort();
  const found = await Promise.all(visible.map((name) => readCaseFolder(path.join(abs, name))));
  const reads = found.filter((read) => read !== undefined);
  const problems: UsageError[] = [];
  const byName = new Map<string, string>();
  for (const read of reads) {
    problems.push(...read.problems);
    if (read.def === undefined) continue;
    const other = byName.get(read.def.name);
    if (other === undefined) byName.set(read.def.name, read.def.file);
    else problems.push(new UsageError(read.nameWhere, `name: "${read.def.name}" is also the name of ${other}`));
  }
  const libDir = path.join(abs, 'lib');
  const shared = (await isDirectory(libDir)) ? { dir: libDir, files: await listFiles(libDir, libDir, problems) } : undefined;
  if (problems.length > 0) throw new CaseFileErrors(problems);
  return reads.flatMap((read) => (read.def === undefined ? [] : [shared ? { ...read.def, shared } : read.def]));
}

/** Cases of several folders, as one suite: an id in two of them would mix their results and history. */
export async function discoverSuites(roots: readonly string[]): Promise<CaseDef[]> {
  const problems: UsageError[] = [];
  const found: CaseDef[] = [];
  for (const root of roots) {
    try {
      found.push(...(await discoverCases(root)));
    } catch (error) {
      if (error instanceof CaseFileErrors) problems.push(...error.problems);
      else if (error instanceof UsageError) problems.push(error);
      else throw error;
    }
  }
  const byId = new Map<string, string>();
  for (const def of found) {
    const other = byId.get(def.id);
    if (other === undefined) byId.set(def.id, def.file);
    else problems.push(new UsageError(def.file, `the case id "${def.id}" is also ${other}`));
  }
  if (problems.length > 0) throw new CaseFileErrors(problems);
  return found;
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((info) => info.isDirectory(), () => false);
}

/** A folder with case.yaml is a case; one with only case.yml is a typo; anything else is not a case. */
async function readCaseFolder(dir: string): Promise<CaseRead | undefined> {
  if (await exists(path.join(dir, 'case.yaml'))) return readCase(dir);
  const misnamed = path.join(dir, 'case.yml');
  if (await exists(misnamed)) return { problems: [new UsageError(misnamed, 'rename to case.yaml')], nameWhere: misnamed };
  return undefined;
}

interface CaseRead {
  def?: CaseDef;
  problems: UsageError[];
  /** Where a duplicate name is reported: the `name:` value, or the top of the file when defaulted. */
  nameWhere: string;
}

async function readCase(dir: string): Promise<CaseRead> {
  const id = path.basename(dir);
  const file = path.join(dir, 'case.yaml');
  const outsideYaml: UsageError[] = [];
  if (!NAME_PATTERN.test(id)) {
    outsideYaml.push(new UsageError(dir, `the folder name "${id}" is the case id: ${NAME_RULE}`));
  }
  const files = await listFiles(path.join(dir, 'files'), dir, outsideYaml);
  const parsed = await parseCaseYaml(file);
  if (parsed.value === undefined) return { problems: [...parsed.problems, ...outsideYaml], nameWhere: file };

  const { image, ...value } = parsed.value;
  const imageRef = image === undefined ? undefined : await resolveImage(dir, image);
  const imageProblems = typeof imageRef === 'object' ? [new UsageError(parsed.where(['image']), imageRef.problem)] : [];
  const def: CaseDef = { ...value, id, dir, file, name: value.name ?? id, files };
  if (typeof imageRef === 'string') def.image = imageRef;
  return { def, problems: [...imageProblems, ...outsideYaml], nameWhere: parsed.where(['name']) };
}

interface ParsedCase {
  value?: CaseFile;
  /** In document order. */
  problems: UsageError[];
  where: LocatedYaml['where'];
}

async function parseCaseYaml(file: string): Promise<ParsedCase> {
  const doc = await readLocatedYaml(file);
  if (!doc.parsed) return { problems: doc.problems, where: doc.where };
  const check = checkCaseFile(doc.data);
  if (check.ok) return { value: check.value, problems: [], where: doc.where };
  return { problems: doc.locate(check.issues), where: doc.where };
}

/** `fixture:<name>` as written; a LinuxKit prefix becomes absolute once its files are found inside `dir`. */
async function resolveImage(dir: string, image: string): Promise<string | { problem: string }> {
  if (image.startsWith('fixture:')) return image;
  try {
    await openCaseImage(image, dir, dir);
    return path.join(dir, image);
  } catch (error) {
    if (error instanceof UsageError) return { problem: error.problem };
    throw error;
  }
}

/** Relative paths of everything under `<dir>/files`, refusing links that would expose the host. */
/** Every file under `top`, relative; symlinks may not lead outside `boundary`. */
async function listFiles(top: string, boundary: string, problems: UsageError[]): Promise<string[]> {
  const kind = await lstat(top).catch(() => undefined);
  if (kind === undefined) return [];
  if (!kind.isDirectory()) {
    problems.push(new UsageError(top, 'must be a folder'));
    return [];
  }
  const realDir = await realpath(boundary);
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(top, rel), { withFileTypes: true })) {
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(top, relPath);
      if (entry.isDirectory()) await walk(relPath);
      else if (entry.isFile()) found.push(relPath);
      else if (entry.isSymbolicLink()) {
        const problem = await confinementProblem(full, realDir);
        if (problem === undefined) found.push(relPath);
        else problems.push(new UsageError(full, problem));
      } else problems.push(new UsageError(full, 'not a regular file, folder or symlink'));
    }
  };
  await walk('');
  return found.sort();
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
