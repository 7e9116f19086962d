import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's own out/: a user's runs, their history and out/latest. */
const OUT = fileURLToPath(new URL('../out', import.meta.url));

/** Every path under out/ (out/ itself included) with what says it changed; symlinks are not followed. */
function snapshot(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (path: string): void => {
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) return;
    seen.set(path, `${info.mtimeMs} ${info.size}`);
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(OUT);
  return seen;
}

/**
 * Global setup of the fast project: the run fails if it leaves anything new, changed or gone under
 * out/. Every test writes under temp folders only; a CLI run without --out or --history would
 * otherwise leave a run folder, repoint out/latest or grow out/history.sqlite.
 */
export default function guardOut(): () => void {
  const before = snapshot();
  return () => {
    const after = snapshot();
    const touched = [
      ...[...after.keys()].filter((p) => !before.has(p)).map((p) => `new: ${p}`),
      ...[...before.keys()].filter((p) => !after.has(p)).map((p) => `gone: ${p}`),
      ...[...after].filter(([p, stamp]) => before.has(p) && before.get(p) !== stamp).map(([p]) => `changed: ${p}`),
    ];
    if (!touched.length) return;
    // vitest reports an error thrown here but still exits 0; the exit code is what CI reads.
    process.exitCode = 1;
    throw new Error(`the fast tests touched ${OUT}; write under a temp folder instead:\n${touched.join('\n')}`);
  };
}
