import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConsoleLog } from '../../harness/console/console-log.js';
import { InfraError } from '../../harness/model/errors.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import type { AgentChannel, ConsoleLogin, Console, Machine, MachineEnd, PayloadFile, StartOptions } from '../platform.js';
import { createBootFiles } from './boot-files.js';
import type { BootPlan } from './boot-plan.js';
import { describeExit } from './exit-reason.js';
import { Qmp } from './qmp.js';
import { READY_MARKER, SAVED_SHELL_SETUP, SETTLE_MS, snapshotKey, type SnapshotCache } from './snapshot.js';
import type { Network } from './network.js';
import { appendPayload } from '../../harness/image/payload.js';
import { CHANNEL_PORT_NAME, qemuArgv, type Accel, type ArchProfile } from './profiles.js';

export interface QemuBootSpec {
  profile: ArchProfile;
  accel: Accel;
  plan: BootPlan;
  options: StartOptions;
  reaper: Reaper;
  smp: number;
  memoryMiB: number;
  channel: 'virtio' | 'console';
  network: Network;
  /** A console that offers a login prompt instead of a root shell. */
  login?: ConsoleLogin;
  /** Start from a saved state of this configuration, or save one at the ready marker (snapshot.ts). */
  snapshot?: { cache: SnapshotCache; qemuVersion: string; saving: Set<string> };
}

/** Listeners on a stream of stamped chunks; a tiny fan-out shared by the console and the channel. */
class StampedFanout {
  private readonly listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  /** When the last chunk came, for waiting until a stream falls quiet. */
  lastAtMs = 0;
  on(listener: (chunk: Buffer, atMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(chunk: Buffer, atMs: number): void {
    this.lastAtMs = atMs;
    for (const listener of this.listeners) listener(chunk, atMs);
  }
}

function writeTo(stream: NodeJS.WritableStream | Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Boots one QEMU guest. Everything it creates (private 0700 directory, agent socket, the process)
 * is registered with the reaper before it exists, so an interrupt at any point leaves nothing behind.
 */
export async function bootQemu(spec: QemuBootSpec): Promise<Machine> {
  const { profile, options, reaper } = spec;
  const dir = await mkdtemp(join(tmpdir(), `harness-${options.bootId}-`));
  await chmod(dir, 0o700);
  reaper.guardian?.guardPath(dir);
  let child: ChildProcess | undefined;
  let server: Server | undefined;
  const unregister = reaper.add(`qemu ${options.bootId}`, async () => {
    await machine?.end('reaped');
    await cleanup();
  });
  const cleanup = async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
    reaper.guardian?.releasePath(dir);
  };
  let machine: Machine | undefined;

  try {
    const { plan } = spec;
    const kernel = plan.kernel;
    const files = await createBootFiles(plan, dir);
    const channelSocket = spec.channel === 'virtio' ? join(dir, 'agent.sock') : undefined;
    let channelConnected: Promise<[Socket]> | undefined;
    if (channelSocket) {
      server = createServer();
      channelConnected = once(server, 'connection') as Promise<[Socket]>;
      server.listen(channelSocket);
      await once(server, 'listening');
    }

    const argvWith = (initrd: string | undefined) =>
      qemuArgv(profile, {
        accel: spec.accel,
        ...(kernel && { kernel: { path: kernel.path, ...(initrd && { initrd }), cmdline: kernel.cmdline } }),
        ...files,
        network: spec.network,
        memoryMiB: spec.memoryMiB,
        smp: spec.smp,
        channelSocket,
      });
    // A snapshot is of the image and the resident files (the compiled agent) alone, the same for
    // every session; its sessions get their case files through the agent, after the restore.
    const resident = options.resident ?? [];
    const residentInitrd = join(dir, 'resident-initrd.img');
    const snapshotInitrd = kernel?.initrd && resident.length ? residentInitrd : kernel?.initrd;
    const snapshot = spec.snapshot && kernel?.initrd && snapshotInitrd
      ? await snapshotMode(spec.snapshot, argvWith(snapshotInitrd), dir, [kernel.path, kernel.initrd], resident)
      : undefined;
    if (snapshot && snapshotInitrd === residentInitrd) await appendPayload(kernel!.initrd!, resident, plan.layout.payload, residentInitrd);
    const initrd = snapshot
      ? snapshotInitrd
      : kernel?.initrd && options.payload.length && plan.payload === 'initrd'
        ? await appendPayload(kernel.initrd, options.payload, plan.layout.payload, join(dir, 'initrd.img'))
        : kernel?.initrd;
    const argv = argvWith(initrd);
    const qmpSocket = join(dir, 'qmp.sock');
    if (snapshot) argv.push('-qmp', `unix:${qmpSocket},server=on,wait=off`, ...(snapshot.mode === 'restore' ? ['-incoming', 'defer'] : []));
    await writeFile(join(options.outDir, `${options.bootId}.qemu-argv.json`), JSON.stringify([profile.binary, ...argv], null, 1));

    const log = new ConsoleLog({ path: join(options.outDir, `${options.bootId}.console.log`), secrets: options.secrets });
    if (snapshot?.mode === 'restore') log.note(restoredPreface(await snapshot.cache.savedConsole(snapshot.key)));
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    // setpriv's parent-death signal kills QEMU even when the harness itself is SIGKILLed.
    child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', profile.binary, ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const proc = child;
    if (proc.pid !== undefined) reaper.guardian?.guardPid(proc.pid);
    options.onPhase('spawn', 0);

    const consoleFanout = new StampedFanout();
    let failure: Error | undefined;
    // The host's typing waits while a snapshot is made: what it typed must not be in the saved state.
    let typing: Promise<void> = Promise.resolve();
    let markerTail = '';
    const saveAtMarker = snapshot?.mode === 'save' ? snapshot : undefined;
    let saveArmed = false;
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (failure) return;
      const at = now();
      if (saveAtMarker && !saveArmed) {
        markerTail = (markerTail + chunk.toString('latin1')).slice(-256);
        if (markerTail.includes(READY_MARKER)) {
          saveArmed = true;
          // Armed before the core hears of the marker, so none of its typing gets in first.
          typing = saveSnapshot(saveAtMarker, qmpSocket, () => consoleFanout.lastAtMs, now, log.path, (text) => writeTo(proc.stdin!, text)).catch((error: Error) => {
            stderrTail += `\nsnapshot not saved: ${error.message}`;
          });
        }
      }
      try {
        log.push(chunk, at);
      } catch (error) {
        // Without its console log the boot's evidence is gone (a full disk): stop it as an infra fault.
        failure = new InfraError(`cannot write the console log ${log.path}: ${(error as Error).message}`, { machine: options.bootId, cause: error });
        proc.kill('SIGKILL');
        return;
      }
      consoleFanout.emit(chunk, at);
    });
    let stderrTail = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4096);
    });
    proc.stdin!.on('error', () => {
      // The guest may power off while we type; the exit is reported through `exited`.
    });

    const exited: Promise<MachineEnd> = new Promise((resolve) => {
      proc.on('error', (error) => {
        stderrTail += `\n${error.message}`;
        resolve({ atMs: now(), clean: false, detail: `QEMU could not start: ${error.message}` });
      });
      // 'close', not 'exit': it comes after stdout drained, so no console byte arrives after it.
      proc.on('close', (code, signal) => {
        if (proc.pid !== undefined) reaper.guardian?.releasePid(proc.pid);
        // QEMU exits 0 after a guest panic too (panic=-1, -no-reboot): callers judge by markers.
        resolve({ atMs: now(), clean: signal === null && !failure, detail: describeExit(code, signal), failure });
      });
    });

    // QEMU connects to our socket while it starts up, before the guest runs: no frame can be missed.
    const channelSocketReady = channelConnected && (await Promise.race([channelConnected.then(([socket]) => socket), exited.then(() => undefined)]));
    if (channelConnected && !channelSocketReady) {
      throw new InfraError(`QEMU exited before connecting the agent channel: ${stderrTail.trim() || 'no message'}`, {
        machine: options.bootId,
        phase: 'spawn',
      });
    }
    let channel: AgentChannel | undefined;
    if (channelSocketReady) {
      const channelFanout = new StampedFanout();
      channelSocketReady.on('data', (chunk: Buffer) => channelFanout.emit(chunk, now()));
      channelSocketReady.on('error', () => {
        // A guest that powers off closes the port; the session notices through `exited`.
      });
      channel = { locator: `virtio:${CHANNEL_PORT_NAME}`, onData: (listener) => channelFanout.on(listener), write: (data) => writeTo(channelSocketReady, data) };
    }
    if (snapshot?.mode === 'restore') {
      try {
        await restoreSnapshot(snapshot, qmpSocket);
      } catch (error) {
        // A state this QEMU cannot load is worth nothing: the next session boots and saves anew.
        await snapshot.cache.forget(snapshot.key);
        throw error;
      }
    }
    const consoleStream: Console = {
      log,
      onData: (listener) => consoleFanout.on(listener),
      write: async (data) => {
        await typing;
        return writeTo(proc.stdin!, data);
      },
    };

    let stopping: Promise<MachineEnd> | undefined;
    machine = {
      id: options.bootId,
      console: consoleStream,
      now,
      agent: { kind: 'typed', channel, ...(spec.login && { login: spec.login }) },
      ...(snapshot?.mode === 'restore' && { resumed: true }),
      // A virtio port is no tty: its lines have no 4 KiB limit, so chunks can be as big as frames.
      transfer: plan.payload === 'initrd' && !snapshot
        ? { kind: 'preloaded' }
        : { kind: 'agent', chunkBytes: channel ? 45_000 : 2048, window: 4, ...(snapshot && resident.length && { residentLoaded: true }) },
      layout: plan.layout,
      onBye: 'poweroff',
      endPhase: 'poweroff',
      exited,
      diagnostics: () => stderrTail.trim(),
      end(_reason: string, graceMs = 3000): Promise<MachineEnd> {
        stopping ??= (async () => {
          const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const result = await exited;
          clearTimeout(timer);
          channelSocketReady?.destroy();
          try {
            log.close();
          } catch {
            // A console log that failed to write has already been reported through `failure`.
          }
          await cleanup();
          unregister();
          return result;
        })();
        return stopping;
      },
    };
    return machine;
  } catch (error) {
    child?.kill('SIGKILL');
    await cleanup();
    unregister();
    throw error;
  }
}

/** What a restored session's console log starts with: the saved boot's console, marked as such. */
function restoredPreface(saved: string | undefined): string {
  if (saved === undefined) return '[harness] restored from a saved snapshot; the console of the boot that saved it is gone\n';
  return `[harness] restored from a saved snapshot; up to the next such line, the console of the boot that saved it:\n${saved}${saved.endsWith('\n') ? '' : '\n'}[harness] restored from a saved snapshot; this session's console follows\n`;
}

type SnapshotMode = NonNullable<QemuBootSpec['snapshot']> & { key: string; mode: 'save' | 'restore' };

/** Restore when this configuration has a state; save one when none is, and no other boot is saving it. */
async function snapshotMode(config: NonNullable<QemuBootSpec['snapshot']>, argv: string[], dir: string, files: string[], resident: PayloadFile[]): Promise<SnapshotMode | undefined> {
  const key = await snapshotKey({ qemuVersion: config.qemuVersion, argv: argv.map((a) => a.replaceAll(dir, '<boot>')), files, resident });
  if (await config.cache.has(key)) return { ...config, key, mode: 'restore' };
  if (config.saving.has(key)) return undefined;
  config.saving.add(key);
  return { ...config, key, mode: 'save' };
}

async function connectQmp(path: string): Promise<Qmp> {
  for (let tries = 0; ; tries++) {
    try {
      return await Qmp.connect(path);
    } catch (error) {
      if (tries > 100) throw new InfraError(`cannot reach QEMU's monitor at ${path}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function restoreSnapshot(snapshot: SnapshotMode, socket: string): Promise<void> {
  const qmp = await connectQmp(socket);
  try {
    await snapshot.cache.restore(qmp, snapshot.key);
  } finally {
    qmp.close();
  }
}

/** At the ready marker: let the shell print its prompt, quieten it, then save; the boot goes on as a session. */
async function saveSnapshot(snapshot: SnapshotMode, socket: string, lastByteAt: () => number, now: () => number, consoleLog: string, type: (text: string) => Promise<void>): Promise<void> {
  const settle = async () => {
    do await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    while (now() - lastByteAt() < SETTLE_MS);
  };
  try {
    await settle();
    await type(SAVED_SHELL_SETUP);
    await settle();
    const qmp = await connectQmp(socket);
    try {
      await snapshot.cache.save(qmp, snapshot.key, () => readFile(consoleLog, 'utf8'));
    } finally {
      qmp.close();
    }
  } finally {
    snapshot.saving.delete(snapshot.key);
  }
}
