import { execa, type Result } from 'execa';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the real CLI from source in a child process, as a user would, and never throws on exit codes. */
export function harness(args: string[], env: Record<string, string> = {}): Promise<Result<{ reject: false; all: true }>> {
  return execa('node', ['--import', 'tsx', 'harness/cli/bin.ts', ...args], {
    cwd: root,
    reject: false,
    all: true,
    env: { NO_COLOR: '1', ...env },
    timeout: 20 * 60_000,
  });
}
