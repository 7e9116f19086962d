import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConsoleLog } from '../../../harness/console/console-log.js';
import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import { detectMarkers } from '../../../harness/console/markers.js';
import { BootError, HarnessFailure, InfraError } from '../../../harness/model/errors.js';
import type { Machine, MachineEnd, RootfsArchive, StartOptions } from '../../platform.js';
import type { CloudRun } from './cloud-run.js';
import { HostKeyWatch } from './host-key-watch.js';
import { hostKeyPolicy } from './host-key-policy.js';
import { PolledConsole } from './polled-console.js';
import { sleep } from './poll.js';
import type { CloudProvider, LaunchedInstance } from './provider.js';
import { errorText } from './scrub.js';
import type { CloudSettings, CloudTimings } from './settings.js';
import type { SshConnector, SshLogin, SshMachineSpec } from './ssh-connector.js';
import { labelValue } from './tags.js';
import { Teardown, type TeardownResult } from './teardown.js';

export interface CloudStart {
  platform: string;
  provider: CloudProvider;
  reaper: Reaper;
  run: CloudRun;
  settings: CloudSettings;
  timings: CloudTimings;
  connector: SshConnector;
  /** The login when --cloud-user is not given. */
  defaultUser: string;
  options: StartOptions;
  rootfs: RootfsArchive[];
  /** The lease's signal: aborted when the run stops. */
  signal: AbortSignal;
}

/** GCP's 63-character names are the tightest; room is left for `-fw`, `-nic`, `-ip`. */
function resourceName(stem: string, bootId: string): string {
  return `harness-${stem}-${labelValue(bootId).replace(/_/g, '-')}`.slice(0, 56).replace(/-+$/, '');
}

function describe(result: TeardownResult): string {
  if (!result.failed.length) return `all ${result.deleted.length} resource(s) gone`;
  return `left for \`harness cloud gc\`: ${result.failed.map((f) => `${f.what} (${f.error})`).join('; ')}`;
}

/** Retries the login while the server is still coming up; anything else (a wrong host key) ends it. */
async function connectUntilReady(connector: SshConnector, login: SshLogin, spec: SshMachineSpec, timings: CloudTimings): Promise<Machine> {
  const deadline = Date.now() + timings.sshTimeoutMs;
  for (;;) {
    try {
      return await connector.connect(login, spec);
    } catch (error) {
      if (!connector.retryable(error) || spec.signal.aborted) throw error;
      if (Date.now() + timings.sshRetryMs > deadline) {
        throw new InfraError(`SSH to ${login.user}@${login.host} did not come up within ${Math.round(timings.sshTimeoutMs / 1000)} s: ${errorText(error)}`, {
          machine: spec.id,
          phase: 'sshReady',
        });
      }
    }
    await sleep(timings.sshRetryMs, spec.signal);
  }
}

/**
 * One cloud boot: create (every resource's undo queued first), stream the console, wait for it to
 * run, read its host keys out of band, log in over SSH. The machine it returns destroys everything
 * when it ends, and at the maximum lifetime at the latest; a start that fails destroys before it throws.
 */
export async function startCloudInstance(spec: CloudStart): Promise<Machine> {
  const { options, provider, run, timings } = spec;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const teardown = new Teardown(spec.reaper, `${spec.platform} ${options.bootId}`, timings.teardown);
  const releaseGuard = run.guardGc(provider.kind, provider.gcArgs());
  let console: PolledConsole | undefined;
  let destroyed: Promise<TeardownResult> | undefined;
  const destroy = () => {
    destroyed ??= (async () => {
      await console?.close().catch(() => undefined);
      const result = await teardown.run();
      options.onPhase('destroyed', now());
      if (!result.failed.length) releaseGuard();
      return result;
    })();
    return destroyed;
  };
  // The lifetime runs from the request: the provider bills from there.
  const life = new AbortController();
  let expired: ((end: MachineEnd) => void) | undefined;
  const expiry = new Promise<MachineEnd>((resolve) => (expired = resolve));
  const lifetime = setTimeout(() => {
    life.abort(new InfraError(`${spec.platform}: the maximum lifetime of ${Math.round(spec.settings.lifetimeMs / 60_000)} min was reached`, { machine: options.bootId }));
    void destroy().then((result) => expired!({ atMs: now(), clean: false, detail: `maximum lifetime reached; ${describe(result)}` }));
  }, spec.settings.lifetimeMs);
  const died = new AbortController();
  const signal = AbortSignal.any([spec.signal, life.signal, died.signal]);

  let instance: LaunchedInstance | undefined;
  try {
    const key = await run.key();
    const runnerCidr = await run.runnerCidr(spec.settings.runnerCidr, signal);
    const user = spec.settings.user ?? spec.defaultUser;
    options.onPhase('request', now());
    instance = await provider.launch(
      {
        name: resourceName(run.stem, options.bootId),
        sessionId: options.bootId,
        tags: { run: run.id, creator: run.creator, expires: new Date(Date.now() + spec.settings.lifetimeMs), session: options.bootId },
        publicKey: key.publicKey,
        user,
        runnerCidr,
        lifetimeMs: spec.settings.lifetimeMs,
        signal,
      },
      teardown,
    );
    const log = new ConsoleLog({ path: join(options.outDir, `${options.bootId}.console.log`), secrets: options.secrets });
    console = new PolledConsole({ source: instance.console, log, now, intervalMs: timings.consolePollMs });
    const watch = new HostKeyWatch(log);
    // A guest that dies while booting ends the start at once, not at the SSH timeout.
    const stopWatchingDeath = log.onLine((line) => {
      const death = detectMarkers(line).find((m) => m.kind === 'death');
      if (death?.kind === 'death') died.abort(new BootError(`kernel ${death.name}: ${death.text}`, { machine: options.bootId }));
    });
    options.onConsole?.(console, now);
    console.start();
    const runningDeadline = AbortSignal.timeout(timings.runningTimeoutMs);
    const { address } = await instance.running(AbortSignal.any([signal, runningDeadline])).catch((error: unknown) => {
      if (!runningDeadline.aborted || signal.aborted) throw error;
      throw new InfraError(`${instance!.id} was not running within ${Math.round(timings.runningTimeoutMs / 1000)} s`, { machine: options.bootId, phase: 'running' });
    });
    options.onPhase('running', now());
    const hostKeys = await hostKeyPolicy({
      watch,
      instance,
      trustOnFirstUse: spec.settings.trustOnFirstUse,
      knownHosts: key.knownHosts,
      graceMs: timings.hostKeyGraceMs,
      timeoutMs: timings.sshTimeoutMs,
      pollMs: timings.pollMs,
      signal,
    });
    const inner = await connectUntilReady(
      spec.connector,
      { host: address, port: 22, user, identity: key.identity, hostKeys },
      { id: options.bootId, now, console, rootfs: spec.rootfs, onPhase: options.onPhase, signal, reaper: spec.reaper },
      timings,
    );
    // From here cases run, and a case may write to the console: no key it prints can count.
    watch.freeze();
    stopWatchingDeath();
    options.onPhase('sshReady', now());
    return cloudMachine(inner, console, instance.id, destroy, expiry, () => clearTimeout(lifetime));
  } catch (error) {
    clearTimeout(lifetime);
    const result = await destroy();
    const cause = spec.signal.aborted ? error : died.signal.aborted ? died.signal.reason : life.signal.aborted ? life.signal.reason : error;
    const text = `${errorText(cause)}${console?.diagnostics() ? ` (${console.diagnostics()})` : ''}; ${describe(result)}`;
    if (cause instanceof BootError) throw new BootError(text, { machine: options.bootId, phase: cause.phase, cause });
    if (cause instanceof HarnessFailure) throw new InfraError(text, { machine: options.bootId, phase: cause.phase, cause });
    throw new InfraError(`${spec.platform}: ${text}`, { machine: options.bootId, cause });
  }
}

/** The SSH machine, with the cloud's console and an ending that destroys the instance. */
function cloudMachine(
  inner: Machine,
  console: PolledConsole,
  instanceId: string,
  destroy: () => Promise<TeardownResult>,
  expiry: Promise<MachineEnd>,
  stopClock: () => void,
): Machine {
  let teardownNote = '';
  let ending: Promise<MachineEnd> | undefined;
  return {
    id: inner.id,
    now: () => inner.now(),
    // A console still silent once SSH works (EC2's older types publish it minutes late) is kept in
    // the log but not handed on: the session would take its silence for a machine that never ran.
    ...(console.log.size > 0 && { console }),
    agent: inner.agent,
    transfer: inner.transfer,
    layout: inner.layout,
    onBye: inner.onBye,
    endPhase: inner.endPhase,
    exited: Promise.race([inner.exited, expiry]),
    diagnostics: () => [inner.diagnostics(), console.diagnostics(), teardownNote].filter(Boolean).join('\n'),
    end(reason, graceMs) {
      ending ??= (async () => {
        const ended = await inner.end(reason, graceMs);
        stopClock();
        const result = await destroy();
        teardownNote = `${instanceId}: ${describe(result)}`;
        return { ...ended, detail: `${ended.detail}; ${teardownNote}`, failure: ended.failure ?? console.failure };
      })();
      return ending;
    },
  };
}
