/**
 * The real agent.sh under the host's own busybox (the x86_64 fixture's, taken from its initrd), with
 * frames on its stdout: the exec transport an SSH host gives, without the SSH. It boots nothing, so
 * the protocol's shell side is tested in seconds. Given the compiled agent, agent.sh finds it in the
 * payload and hands over to it, as in a guest.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { fixtureImageFiles, rootfsBaseTarPath } from '../../fixtures/paths.js';
import { readCpio } from '../../harness/image/cpio.js';
import type { ExecSession, Machine, MachineEnd } from '../../platforms/platform.js';

export interface LocalAgent {
  machine: Machine;
  dir: string;
  /** What the host wrote to the agent, in order. */
  written: string[];
  /** The agent's process, once it was started (agent.sh, and the compiled agent it became). */
  pid(): number | undefined;
  cleanup(): void;
}

export interface LocalAgentOptions {
  /** Host bytes pass through it on their way to the agent (to damage a chunk, say). */
  tamper?: (text: string) => string;
  /** The compiled agent to put in the payload. */
  agentd?: Buffer;
  /** Unpack the x86_64 fixture's base rootfs as the `base` container rootfs. */
  rootfs?: boolean;
}

export function localAgent(options: LocalAgentOptions = {}): LocalAgent {
  const tamper = options.tamper ?? ((t: string) => t);
  const dir = mkdtempSync(join(tmpdir(), 'harness-local-agent-'));
  const initrd = readFileSync(fixtureImageFiles('x86_64', 'harness').initrd);
  // Hard links keep their data with the last name of the group, so look for the copy that has it.
  const busybox = readCpio(initrd, { withData: true }).find((e) => e.name.endsWith('bin/busybox') && e.size > 0);
  if (!busybox) throw new Error('the x86_64 fixture has no bin/busybox');
  const bb = join(dir, 'busybox');
  writeFileSync(bb, busybox.data);
  chmodSync(bb, 0o755);
  const applets = join(dir, 'applets');
  mkdirSync(applets);
  execFileSync(bb, ['--install', '-s', applets]);
  const layout = { state: join(dir, 'state'), payload: join(dir, 'payload'), containers: join(dir, 'containers'), applets };
  if (options.agentd) {
    mkdirSync(join(layout.payload, 'bin'), { recursive: true });
    writeFileSync(join(layout.payload, 'bin', 'harness-agentd-x86_64'), options.agentd, { mode: 0o755 });
  }
  if (options.rootfs) {
    const rootfs = join(layout.containers, 'base', 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    execFileSync('tar', ['-xf', rootfsBaseTarPath('x86_64'), '-C', rootfs]);
  }
  let pid: number | undefined;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const written: string[] = [];
  let resolveExit!: (end: MachineEnd) => void;
  const exited = new Promise<MachineEnd>((resolve) => (resolveExit = resolve));
  const machine: Machine = {
    id: 'local',
    now,
    agent: {
      kind: 'exec',
      async exec(script, args): Promise<ExecSession> {
        writeFileSync(join(dir, 'agent.sh'), script);
        const child = spawn(bb, ['sh', join(dir, 'agent.sh'), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: `${applets}:/usr/bin:/bin` } });
        pid = child.pid;
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-16384)));
        const closed = new Promise<{ code: number | null; signal?: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, ...(signal ? { signal } : {}) })));
        void closed.then(() => resolveExit({ atMs: now(), clean: true, detail: 'the local agent exited' }));
        return {
          onData(listener) {
            const on = (c: Buffer) => listener(c, now());
            child.stdout.on('data', on);
            return () => child.stdout.off('data', on);
          },
          write(data) {
            const text = tamper(Buffer.from(data).toString('utf8'));
            written.push(text);
            return new Promise((resolve, reject) => child.stdin.write(text, (e) => (e ? reject(e) : resolve())));
          },
          stderr: () => stderr,
          closed,
          close: () => child.kill('SIGKILL'),
        };
      },
    },
    transfer: { kind: 'agent', chunkBytes: 64, window: 3 },
    layout,
    onBye: 'exit',
    endPhase: 'disconnect',
    exited,
    diagnostics: () => '',
    end: async () => ({ atMs: now(), clean: true, detail: 'local' }),
  };
  const cleanup = () => {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // A case cut short leaves its overlay mounted in the state folder.
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
    for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  };
  return { machine, dir, written, pid: () => pid, cleanup };
}
