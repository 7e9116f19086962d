import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Slots } from '../../harness/lifecycle/slots.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import { UsageError } from '../../harness/model/errors.js';
import { ARCHES, type Arch } from '../../harness/model/types.js';
import type { Capabilities, Lease, LeaseRequest, Platform, PlatformContext, PlatformFactory } from '../platform.js';
import { SshConnection, type SshAuth } from '../shared/ssh/connection.js';
import { formatSshTarget, parseSshTarget, type SshEndpoint } from '../shared/ssh/endpoint.js';
import type { HostKeyCheck } from '../shared/ssh/host-keys.js';
import { sshMachine } from '../shared/ssh/ssh-machine.js';
import { probeHost } from './probe-host.js';

export interface SshPlatformOptions {
  endpoint: SshEndpoint;
  hostKeys: HostKeyCheck;
  auth: SshAuth;
  reaper: Reaper;
  /** Sessions side by side on this host, each in its own state folder. */
  slots: number;
}

/** `uname -m` → the harness's arch names. */
const MACHINE_ARCH: Readonly<Record<string, Arch>> = { x86_64: 'x86_64', aarch64: 'arm64', arm64: 'arm64', s390x: 's390x' };

/** Any reachable Linux host: connected, never booted, powered off or rebooted. */
export function createSshPlatform(options: SshPlatformOptions): Platform {
  const target = formatSshTarget(options.endpoint);
  const slots = new Slots(options.slots);
  const connect = (signal: AbortSignal | undefined, now?: () => number) =>
    SshConnection.connect({ endpoint: options.endpoint, hostKeys: options.hostKeys, auth: options.auth, signal, now });
  let probed: Promise<Capabilities> | undefined;
  return {
    name: `ssh:${target}`,
    kind: 'ssh',
    runs: 'host',
    compiledAgent: true,
    probe() {
      probed ??= (async (): Promise<Capabilities> => {
        let ssh: SshConnection | undefined;
        try {
          ssh = await connect(undefined);
          const host = await probeHost(ssh);
          const arch = MACHINE_ARCH[host.machine];
          if (!arch) return { available: false, accel: 'host', notes: [], reason: `${target} is ${host.machine}; the harness has rootfs for ${ARCHES.join(', ')}` };
          if (!host.root && !host.sudo) {
            return { available: false, arch, accel: 'host', notes: [], reason: `${target}: user ${options.endpoint.user} cannot run sudo without a password; connect as root or allow NOPASSWD sudo` };
          }
          return {
            available: true,
            arch,
            accel: 'host',
            notes: [`${host.kernel}, ${host.cores} cores, ${host.runtimes.length ? host.runtimes.join('/') : 'no OCI runtime (cases run under busybox unshare)'}`],
            fingerprint: { hostKey: ssh.hostKey.fingerprint, kernel: host.kernel, cpu: host.cpu, cores: String(host.cores) },
          };
        } catch (error) {
          return { available: false, accel: 'host', notes: [], reason: (error as Error).message };
        } finally {
          ssh?.close();
        }
      })();
      return probed;
    },
    async lease(request: LeaseRequest): Promise<Lease> {
      const giveBack = await slots.acquire(request.signal);
      return {
        what: `host ${target}`,
        async start(_image, start) {
          const t0 = performance.now();
          const now = () => performance.now() - t0;
          const ssh = await connect(request.signal, now);
          start.onPhase('connect', now());
          return sshMachine({
            id: start.bootId,
            connection: ssh,
            now,
            rootfs: start.rootfs,
            onPhase: start.onPhase,
            onBye: 'exit',
            endPhase: 'disconnect',
            reaper: options.reaper,
            reconnect: () => connect(undefined),
          });
        },
        async release() {
          giveBack();
        },
      };
    },
  };
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** How host keys are checked: a pinned fingerprint, known_hosts files, or trust on first use only when asked. */
export function hostKeyCheck(options: Readonly<Record<string, unknown>>, cacheDir: string): HostKeyCheck {
  const pinned = stringOption(options['hostKey']);
  if (pinned !== undefined) {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(pinned)) throw new UsageError('--host-key', `"${pinned}" is not a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:<43 base64 characters>)`);
    return { kind: 'pinned', fingerprints: [pinned] };
  }
  const own = join(cacheDir, 'ssh', 'known_hosts');
  if (options['trustOnFirstUse'] === true) return { kind: 'tofu', file: own };
  const given = stringOption(options['knownHosts']);
  if (given !== undefined) {
    if (!existsSync(given)) throw new UsageError('--known-hosts', `${given} does not exist`);
    return { kind: 'known-hosts', files: [given] };
  }
  return { kind: 'known-hosts', files: [join(homedir(), '.ssh', 'known_hosts'), own].filter((f) => existsSync(f)) };
}

/** `ssh:[user@]host[:port]`; options --identity, --known-hosts, --host-key, --trust-on-first-use. */
export const sshFactory: PlatformFactory = {
  kind: 'ssh',
  forms: ['ssh:[user@]host[:port]'],
  options: [
    { flags: '--identity <key>', description: 'SSH: private key file (default: the SSH agent at SSH_AUTH_SOCK)' },
    { flags: '--known-hosts <file>', description: 'SSH: known_hosts to verify host keys against (default ~/.ssh/known_hosts and the harness\'s own)' },
    { flags: '--host-key <fingerprint>', description: 'SSH: the host key\'s SHA256 fingerprint, pinned' },
    { flags: '--trust-on-first-use', description: 'SSH: accept an unknown host key once and remember it in the harness\'s own known_hosts' },
  ],
  create(name: string, context: PlatformContext): Platform[] | undefined {
    if (!name.startsWith('ssh:')) return undefined;
    const endpoint = parseSshTarget(name.slice('ssh:'.length), '--platform');
    const identity = stringOption(context.options['identity']);
    if (identity !== undefined && !existsSync(identity)) throw new UsageError('--identity', `${identity} does not exist`);
    const agent = process.env['SSH_AUTH_SOCK'];
    if (identity === undefined && !agent) throw new UsageError('--identity', `${name} needs a key: give --identity KEY or run an SSH agent (SSH_AUTH_SOCK)`);
    return [
      createSshPlatform({
        endpoint,
        hostKeys: hostKeyCheck(context.options, context.cacheDir),
        auth: { ...(identity && { identity }), ...(agent && { agent }) },
        reaper: context.reaper,
        slots: context.slots ?? 1,
      }),
    ];
  },
};
