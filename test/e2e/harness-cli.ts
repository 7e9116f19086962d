import { execa, type Result } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs the real CLI from source in a child process, as a user would, and never throws on exit codes.
 * It runs in a fresh empty folder: the defaults relative to it (out/<run id>, out/latest,
 * out/history.sqlite, out/report) must never land in the checkout's own out/.
 */
export async function harness(args: string[], env: Record<string, string> = {}): Promise<Result<{ reject: false; all: true }>> {
  // Left in place: the CLI's detached guardian outlives it, and a deleted cwd hangs its startup.
  const cwd = await mkdtemp(join(tmpdir(), 'harness-cwd-'));
  return execa('node', ['--import', tsx, join(root, 'harness/cli/bin.ts'), ...args], {
    cwd,
    reject: false,
    all: true,
    env: { NO_COLOR: '1', TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'), ...env },
    timeout: 20 * 60_000,
  });
}
