import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareOutDir } from '../../../harness/cli/out-dir.js';
import { UsageError } from '../../../harness/model/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'out-dir-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** An output folder an earlier run left behind. */
function earlierRun(): string {
  const out = join(root, 'out');
  mkdirSync(join(out, 'boots'), { recursive: true });
  writeFileSync(join(out, 'results.jsonl'), '{"kind":"run-end"}\n');
  writeFileSync(join(out, 'boots', 'x.stdout'), 'ok\n');
  return out;
}

describe('prepareOutDir', () => {
  it('creates a missing folder, parents too, and accepts an empty one', async () => {
    await prepareOutDir(join(root, 'a', 'b'), { force: false });
    expect(readdirSync(join(root, 'a', 'b'))).toEqual([]);
    await prepareOutDir(join(root, 'a', 'b'), { force: false });
  });

  it('refuses a folder an earlier run left, whose results.jsonl the new run would append to', async () => {
    const out = earlierRun();
    await expect(prepareOutDir(out, { force: false })).rejects.toThrow(
      new UsageError('--out', `${out} is not empty; use an empty folder, or --force-out to clear it first`),
    );
    expect(readdirSync(out).sort()).toEqual(['boots', 'results.jsonl']);
  });

  it('clears the folder with force, leaving what its symlinks lead to alone', async () => {
    const out = earlierRun();
    const outside = join(root, 'keep');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'x');
    symlinkSync(outside, join(out, 'link'));
    await prepareOutDir(out, { force: true });
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(outside)).toEqual(['precious']);
  });

  it('refuses a file where the folder should be', async () => {
    const file = join(root, 'f');
    writeFileSync(file, '');
    await expect(prepareOutDir(file, { force: true })).rejects.toThrow(new UsageError('--out', `${file} is not a folder`));
    expect(existsSync(file)).toBe(true);
  });

  it('never clears the current folder or one that holds it', async () => {
    for (const dir of [process.cwd(), dirname(process.cwd())]) {
      await expect(prepareOutDir(dir, { force: true })).rejects.toThrow(
        new UsageError('--out', `${dir} holds the current folder; --force-out will not clear it`),
      );
    }
  });
});
