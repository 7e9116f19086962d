/**
 * A cloud without a network, for the provider-neutral core: an in-memory provider whose resources
 * are created through the core's Teardown exactly as the real providers do, a console fed from a
 * script, and an SSH connector that hands back a minimal machine or fails as told.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostKey } from '../../harness/console/host-key-block.js';
import type { Guardian } from '../../harness/lifecycle/guardian.js';
import type { GuardedCommand } from '../../harness/lifecycle/guarded-command.js';
import { Reaper } from '../../harness/lifecycle/reaper.js';
import { Slots } from '../../harness/lifecycle/slots.js';
import { InfraError } from '../../harness/model/errors.js';
import type { PhaseName } from '../../harness/model/types.js';
import { CloudRun } from '../../platforms/cloud/core/cloud-run.js';
import { createCloudPlatform } from '../../platforms/cloud/core/cloud-platform.js';
import { sleep } from '../../platforms/cloud/core/poll.js';
import type { CloudProvider, LaunchRequest, LaunchedInstance } from '../../platforms/cloud/core/provider.js';
import { DEFAULT_TIMINGS, type CloudSettings, type CloudTimings } from '../../platforms/cloud/core/settings.js';
import type { SshConnector, SshLogin, SshMachineSpec } from '../../platforms/cloud/core/ssh-connector.js';
import type { Teardown } from '../../platforms/cloud/core/teardown.js';
import type { Machine, MachineEnd, Platform, StartOptions } from '../../platforms/platform.js';
import { ed25519Pair } from '../../platforms/shared/ssh/ed25519-pair.js';

/** A fresh host key as cloud-init announces it on a console, with `prefix` before each line (`ec2: `). */
export function announcedHostKey(prefix = '') {
  const pair = ed25519Pair();
  const base64 = pair.public.split(' ')[1]!;
  const fingerprint = `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
  const block = (name: string, line: string) => [`-----BEGIN SSH HOST KEY ${name}-----`, line, `-----END SSH HOST KEY ${name}-----`].map((l) => `${prefix}${l}\n`).join('');
  return {
    base64,
    fingerprint,
    text: block('FINGERPRINTS', `256 ${fingerprint} root@vm (ED25519)`),
    keysText: block('KEYS', `ssh-ed25519 ${base64} root@vm`),
  };
}

export const FAST_TIMINGS: CloudTimings = {
  ...DEFAULT_TIMINGS,
  pollMs: 5,
  consolePollMs: 5,
  runningTimeoutMs: 300,
  sshTimeoutMs: 300,
  hostKeyGraceMs: 100,
  sshRetryMs: 10,
  teardown: { budgetMs: 1000, retryMs: 5 },
};

export type FakeResource = 'key pair' | 'firewall' | 'instance';

export interface FakeCloudScript {
  /** The create of this resource throws (after landing, with `landed`: its answer was lost). */
  failCreate?: FakeResource;
  landed?: boolean;
  /** The instance never reports running. */
  neverRuns?: boolean;
  /** Console output, one chunk per read. */
  console?: string[];
  /** Host keys the provider itself reports (GCP's guest attributes). */
  providerKeys?: HostKey[];
  /** Deleting this resource fails this many times first (still in use). */
  busy?: { resource: FakeResource; times: number };
}

export class FakeCloud implements CloudProvider {
  readonly kind = 'fake';
  readonly instanceType = 'small';
  readonly where = 'here-1';
  /** What exists now, by `<resource> <name>`. */
  readonly live = new Set<string>();
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  readonly requests: LaunchRequest[] = [];

  constructor(readonly script: FakeCloudScript = {}) {}

  gcArgs(): string[] {
    return ['--fake-region', 'here-1'];
  }

  async probe() {
    return { arch: 'x86_64' as const, fingerprint: { provider: 'fake' }, notes: [] };
  }

  async launch(request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
    this.requests.push(request);
    for (const resource of ['key pair', 'firewall', 'instance'] as const) await this.make(resource, request.name, teardown);
    let reads = 0;
    return {
      id: `fake-${request.name}`,
      running: async (signal) => {
        if (this.script.neverRuns) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        await sleep(5, signal);
        return { address: '192.0.2.10' };
      },
      console: { read: async () => Buffer.from(this.script.console?.[reads++] ?? '') },
      ...(this.script.providerKeys && { hostKeys: async () => this.script.providerKeys }),
    };
  }

  private async make(resource: FakeResource, name: string, teardown: Teardown): Promise<void> {
    const id = `${resource} ${name}`;
    let busy = this.script.busy?.resource === resource ? this.script.busy.times : 0;
    await teardown.create(
      id,
      async () => {
        if (this.script.failCreate === resource) {
          if (this.script.landed) this.land(id);
          throw new InfraError(`${resource} quota exceeded`);
        }
        this.land(id);
      },
      async () => {
        if (busy-- > 0) throw new Error(`${resource} is in use`);
        // Found by its name, as a real undo whose create answer was lost must.
        if (this.live.delete(id)) this.deleted.push(id);
      },
    );
  }

  private land(id: string): void {
    this.live.add(id);
    this.created.push(id);
  }
}

/** A machine with nothing behind it: enough for the core to wrap and end. */
export class StubMachine implements Machine {
  readonly agent = { kind: 'exec', exec: () => Promise.reject(new Error('stub')) } as const;
  readonly transfer = { kind: 'preloaded' } as const;
  readonly layout = { state: '/tmp/h', payload: '/tmp/h/p', containers: '/tmp/h/c' };
  readonly onBye = 'exit' as const;
  readonly endPhase = 'disconnect' as const;
  readonly exited: Promise<MachineEnd>;
  readonly ends: string[] = [];
  private finish!: (end: MachineEnd) => void;
  constructor(
    readonly id: string,
    readonly now: () => number,
  ) {
    this.exited = new Promise((resolve) => (this.finish = resolve));
  }
  diagnostics(): string {
    return '';
  }
  async end(reason: string): Promise<MachineEnd> {
    this.ends.push(reason);
    this.finish({ atMs: this.now(), clean: true, detail: 'disconnected' });
    return this.exited;
  }
}

export class RetryableError extends Error {}

/** Connects after `refusals` retryable failures; `mismatch` fails for good, as a wrong host key does. */
export class FakeConnector implements SshConnector {
  readonly logins: SshLogin[] = [];
  readonly machines: StubMachine[] = [];
  constructor(private readonly behaviour: { refusals?: number; mismatch?: boolean } = {}) {}
  async connect(login: SshLogin, spec: SshMachineSpec): Promise<Machine> {
    this.logins.push(login);
    if (this.behaviour.mismatch) throw new InfraError(`host key mismatch for ${login.host}: presented SHA256:evil`);
    if ((this.behaviour.refusals ?? 0) >= this.logins.length) throw new RetryableError('connect ECONNREFUSED');
    const machine = new StubMachine(spec.id, spec.now);
    this.machines.push(machine);
    return machine;
  }
  retryable(error: unknown): boolean {
    return error instanceof RetryableError;
  }
}

/** A guardian that only records what it was told. */
export function recordingGuardian(): { guardian: Guardian; commands: GuardedCommand[]; released: GuardedCommand[] } {
  const commands: GuardedCommand[] = [];
  const released: GuardedCommand[] = [];
  const guardian = {
    guardPath: () => {},
    releasePath: () => {},
    guardPid: () => {},
    releasePid: () => {},
    guardCommand: (c: GuardedCommand) => commands.push(c),
    releaseCommand: (c: GuardedCommand) => released.push(c),
    close: () => {},
  } as unknown as Guardian;
  return { guardian, commands, released };
}

export interface FakeCloudRig {
  platform: Platform;
  reaper: Reaper;
  phases: [PhaseName, number][];
  start(bootId?: string, extra?: Partial<StartOptions>): Promise<Machine>;
  outDir: string;
}

/** A cloud platform over `provider` and `connector`, with a recording reaper and fast timings. */
export function fakeCloudPlatform(
  provider: CloudProvider,
  connector: SshConnector,
  settings: Partial<CloudSettings> = {},
  options: { guardian?: Guardian; timings?: Partial<CloudTimings> } = {},
): FakeCloudRig {
  const reaper = new Reaper(options.guardian);
  const outDir = mkdtempSync(join(tmpdir(), 'fake-cloud-'));
  const run = new CloudRun({ reaper, runId: '2026-12-01T09-00-00-000Z', creator: 'tester@runner', discover: async () => '198.51.100.7', self: ['harness'], logDir: outDir });
  const platform = createCloudPlatform({
    name: 'fake:small',
    provider: async () => provider,
    label: 'fake instance',
    reaper,
    run,
    slots: new Slots(settings.maxInstances ?? 2),
    settings: { maxInstances: 2, lifetimeMs: 60_000, trustOnFirstUse: false, ...settings },
    timings: { ...FAST_TIMINGS, ...options.timings },
    connector,
    defaultUser: 'root',
  });
  const phases: [PhaseName, number][] = [];
  const start = async (bootId = 'x86_64-0-0', extra: Partial<StartOptions> = {}) => {
    const lease = await platform.lease({ sessionId: bootId, signal: reaper.signal });
    const startOptions: StartOptions = { bootId, outDir, payload: [], rootfs: [], freshBoot: false, secrets: [], onPhase: (phase, at) => phases.push([phase, at]), ...extra };
    try {
      return await lease.start({ kind: 'host', name: 'host' }, startOptions);
    } finally {
      await lease.release();
    }
  };
  return { platform, reaper, phases, start, outDir };
}
