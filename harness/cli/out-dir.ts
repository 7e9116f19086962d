import { mkdir, readdir, realpath, rm, stat, symlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UsageError } from '../model/errors.js';

/**
 * Makes `path` an empty output folder. A reused one is refused: the run would append to its
 * results.jsonl and output files, and a later `harness collect` would read both runs as one. With
 * `force` its contents are removed first: its own entries only (a symlink is removed, not followed),
 * and never when it holds the current folder, where a slip like `--out .` would empty a checkout.
 */
export async function prepareOutDir(path: string, { force }: { force: boolean }): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) {
    await mkdir(path, { recursive: true });
    return;
  }
  if (!info.isDirectory()) throw new UsageError('--out', `${path} is not a folder`);
  const entries = await readdir(path);
  if (entries.length === 0) return;
  if (!force) throw new UsageError('--out', `${path} is not empty; use an empty folder, or --force-out to clear it first`);
  const cwdFromOut = relative(await realpath(path), await realpath(process.cwd()));
  if (!(cwdFromOut === '..' || cwdFromOut.startsWith(`..${sep}`) || isAbsolute(cwdFromOut))) {
    throw new UsageError('--out', `${path} holds the current folder; --force-out will not clear it`);
  }
  for (const entry of entries) await rm(join(path, entry), { recursive: true, force: true });
}

/** `out/latest` beside a run's default output folder points at it; where links are refused, there is none. */
export async function pointLatest(outDir: string): Promise<void> {
  const link = join(outDir, '..', 'latest');
  await rm(link, { force: true });
  await symlink(outDir, link).catch(() => undefined);
}
