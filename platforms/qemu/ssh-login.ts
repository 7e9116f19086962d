/**
 * `--login ssh`: the QEMU guest keeps its console (the boot phases are read from it as for any
 * boot) while the agent is exec'd over SSH through a port forwarded from 127.0.0.1. The host key is
 * pinned: the one `--host-key` names, or the one the guest prints on its console in cloud-init's
 * format before it listens, as a cloud VM's serial log shows it.
 */
import { parseHostKeyBlock } from '../../harness/console/host-key-block.js';
import { BootError, InfraError } from '../../harness/model/errors.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import type { PhaseName } from '../../harness/model/types.js';
import type { GuestLayout, Machine, MachineEnd } from '../platform.js';
import { SshConnection } from '../shared/ssh/connection.js';
import { sshMachine } from '../shared/ssh/ssh-machine.js';

export interface SshLogin {
  port: number;
  user: string;
  identity: string;
  /** `--host-key`, when the user pinned it; otherwise the console's block is waited for. */
  hostKey?: string;
  /** Where the image keeps its container rootfs; the SSH machine's own state folder holds the rest. */
  containers: string;
  reaper: Reaper;
  onPhase(phase: PhaseName, atMs: number): void;
  timeoutMs: number;
}

const KEYS_END = '-----END SSH HOST KEY KEYS-----';

/** The fingerprints the console prints, once its keys block is complete; listened for from the first byte. */
function consoleHostKeys(qemu: Machine, timeoutMs: number): Promise<string[]> {
  const console = qemu.console!;
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new BootError(`no SSH host key block on the console within ${timeoutMs} ms`, { machine: qemu.id }));
    }, timeoutMs);
    const off = console.log.onLine((line) => {
      text += `${line}\n`;
      if (!line.includes(KEYS_END)) return;
      const keys = parseHostKeyBlock(text);
      if (!keys.length) return;
      clearTimeout(timer);
      off();
      resolve(keys.map((k) => k.fingerprint));
    });
    void qemu.exited.then((end) => {
      clearTimeout(timer);
      off();
      reject(new BootError(`the guest stopped before printing its SSH host key (${end.detail})`, { machine: qemu.id }));
    });
  });
}

/** The QEMU machine with its agent and case files over SSH; the connection is made when the session first needs it. */
export function overSsh(qemu: Machine, login: SshLogin): Machine {
  const fingerprints = login.hostKey ? Promise.resolve([login.hostKey]) : consoleHostKeys(qemu, login.timeoutMs);
  // Nobody may be waiting yet; the rejection is the session's to see when it connects.
  fingerprints.catch(() => undefined);
  const connect = async () =>
    SshConnection.connect({
      endpoint: { host: '127.0.0.1', port: login.port, user: login.user },
      hostKeys: { kind: 'pinned', fingerprints: await fingerprints },
      auth: { identity: login.identity },
      attempts: 8,
      retryDelayMs: 500,
      now: qemu.now,
    });
  let inner: Promise<Machine> | undefined;
  const ssh = () =>
    (inner ??= (async () => {
      const connection = await connect();
      login.onPhase('connect', qemu.now());
      return sshMachine({
        id: qemu.id,
        connection,
        now: qemu.now,
        console: qemu.console,
        rootfs: [],
        onPhase: login.onPhase,
        // The agent exits; QEMU is ended below, after the state folder is gone.
        onBye: 'exit',
        endPhase: 'poweroff',
        reaper: login.reaper,
        afterEnd: () => qemu.end('session end'),
        diagnostics: qemu.diagnostics,
        reconnect: connect,
      });
    })());
  let layout: GuestLayout | undefined;
  return {
    id: qemu.id,
    now: qemu.now,
    console: qemu.console,
    agent: {
      kind: 'exec',
      async exec(script, args) {
        const machine = await ssh();
        if (machine.agent.kind !== 'exec') throw new InfraError('the SSH machine does not exec its agent');
        return machine.agent.exec(script, args);
      },
    },
    transfer: {
      kind: 'upload',
      async put(files) {
        const machine = await ssh();
        layout = { ...machine.layout, containers: login.containers };
        if (machine.transfer.kind === 'upload') await machine.transfer.put(files);
      },
    },
    // Known once connected: the session uploads (and so connects) before it reads the layout.
    get layout(): GuestLayout {
      if (!layout) throw new InfraError('the guest layout was read before the SSH connection was made', { machine: qemu.id });
      return layout;
    },
    onBye: 'exit',
    endPhase: 'poweroff',
    exited: qemu.exited,
    diagnostics: qemu.diagnostics,
    async end(reason: string, graceMs?: number): Promise<MachineEnd> {
      const machine = inner && (await inner.catch(() => undefined));
      return machine ? machine.end(reason, graceMs) : qemu.end(reason, graceMs);
    },
  };
}
