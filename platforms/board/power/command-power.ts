import { spawn } from 'node:child_process';
import { InfraError } from '../../../harness/model/errors.js';
import type { Power } from '../../platform.js';

export interface CommandPowerSpec {
  on: string[];
  off: string[];
  /** Default: off, then on. */
  cycle?: string[];
  timeoutMs: number;
  /** Where the programs run: the lab file's folder, so its relative paths work. */
  cwd: string;
}

const STDERR_KEEP = 2048;

/** Runs one argv to its end; never through a shell, so no word of the lab file is re-split. */
function runProgram(argv: string[], cwd: string, timeoutMs: number, what: string): Promise<void> {
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new InfraError(`${what}: no program given`));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new InfraError(`${what}: cannot run ${program}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const how = signal === 'SIGKILL' ? `did not finish within ${timeoutMs} ms` : signal ? `was killed by ${signal}` : `exited ${code}`;
      // The last lines: a runtime's stack trace ends with its version, not with the reason.
      const said = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new InfraError(`${what}: ${program} ${how}${said ? `: ${said}` : ''}`));
    });
  });
}

/** Power through any program the lab names: a relay board's tool, a smart plug's CLI, an emulated board. */
export function commandPower(spec: CommandPowerSpec, board: string): Power {
  const run = (argv: string[], action: string) => runProgram(argv, spec.cwd, spec.timeoutMs, `${board}: power ${action}`);
  return {
    on: () => run(spec.on, 'on'),
    off: () => run(spec.off, 'off'),
    cycle: async () => {
      if (spec.cycle) return run(spec.cycle, 'cycle');
      await run(spec.off, 'off');
      await run(spec.on, 'on');
    },
  };
}
