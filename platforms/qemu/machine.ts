import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConsoleLog } from '../../harness/console/console-log.js';
import { InfraError } from '../../harness/model/errors.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import type { AgentChannel, Console, KernelImage, Machine, MachineEnd, StartOptions } from '../platform.js';
import { describeExit } from './exit-reason.js';
import { appendPayload } from '../../harness/image/payload.js';
import { CHANNEL_PORT_NAME, qemuArgv, withConsole, type Accel, type ArchProfile } from './profiles.js';

/** Where the bundled images' init and the agent keep things; the payload lands in the initrd there. */
export const GUEST_LAYOUT = { state: '/run/harness', payload: '/harness', containers: '/containers' } as const;

export interface QemuBootSpec {
  profile: ArchProfile;
  accel: Accel;
  image: KernelImage;
  options: StartOptions;
  reaper: Reaper;
  smp: number;
  memoryMiB: number;
  channel: 'virtio' | 'console';
  /** 'agent' sends case files through the agent after boot instead of appending them to the initrd. */
  payloadVia: 'initrd' | 'agent';
}

/** Listeners on a stream of stamped chunks; a tiny fan-out shared by the console and the channel. */
class StampedFanout {
  private readonly listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  on(listener: (chunk: Buffer, atMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(chunk: Buffer, atMs: number): void {
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
    const initrd = options.payload.length && spec.payloadVia === 'initrd'
      ? await appendPayload(spec.image.initrd, options.payload, GUEST_LAYOUT.payload, join(dir, 'initrd.img'))
      : spec.image.initrd;
    const channelSocket = spec.channel === 'virtio' ? join(dir, 'agent.sock') : undefined;
    let channelConnected: Promise<[Socket]> | undefined;
    if (channelSocket) {
      server = createServer();
      channelConnected = once(server, 'connection') as Promise<[Socket]>;
      server.listen(channelSocket);
      await once(server, 'listening');
    }

    const argv = qemuArgv(profile, {
      accel: spec.accel,
      kernel: spec.image.kernel,
      initrd,
      cmdline: withConsole(profile, spec.image.cmdline),
      memoryMiB: spec.memoryMiB,
      smp: spec.smp,
      channelSocket,
    });
    await writeFile(join(options.outDir, `${options.bootId}.qemu-argv.json`), JSON.stringify([profile.binary, ...argv], null, 1));

    const log = new ConsoleLog({ path: join(options.outDir, `${options.bootId}.console.log`) });
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
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (failure) return;
      const at = now();
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
    const consoleStream: Console = {
      log,
      onData: (listener) => consoleFanout.on(listener),
      write: (data) => writeTo(proc.stdin!, data),
    };

    let stopping: Promise<MachineEnd> | undefined;
    machine = {
      id: options.bootId,
      console: consoleStream,
      now,
      agent: { kind: 'typed', channel },
      // A virtio port is no tty: its lines have no 4 KiB limit, so chunks can be as big as frames.
      transfer: spec.payloadVia === 'initrd' ? { kind: 'preloaded' } : { kind: 'agent', chunkBytes: channel ? 45_000 : 2048, window: 4 },
      layout: GUEST_LAYOUT,
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
