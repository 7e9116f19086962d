/**
 * An ssh fixture (fixtures/ssh-image.ts) booted under QEMU with the guest's port 22 forwarded to a
 * free port on 127.0.0.1, for tests of hosts the harness reaches over SSH: boot, wait for the ready
 * marker, read the host keys from the console, connect with the key pinned, stop.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import ssh2, { type Client } from 'ssh2';
import type { SshArchManifest } from '../../fixtures/ssh-image.js';
import type { SshFixtureName } from '../../fixtures/paths.js';
import { fingerprintOf, parseHostKeyBlock, type HostKey } from '../../harness/console/host-key-block.js';
import { PROFILES, qemuArgv, withConsole, type Accel } from '../../platforms/qemu/profiles.js';
import { freeLoopbackPort } from '../../platforms/shared/free-port.js';

export interface SshGuest {
  /** The 127.0.0.1 port that reaches the guest's port 22. */
  port: number;
  /** The keys the guest printed before its ready marker. */
  hostKeys: HostKey[];
  /** From spawning QEMU to the ready marker. */
  readyMs: number;
  /** Everything the console printed so far. */
  console(): string;
  /** Root's login, with the host key the guest printed pinned. */
  login?: PinnedLogin;
  /** False once QEMU has exited (stopped, or killed by a test). */
  running(): boolean;
  stop(): Promise<void>;
}

export interface StartSshGuestOptions {
  fixture: SshArchManifest;
  image: SshFixtureName;
  /** Default tcg. */
  accel?: Accel;
  /** Default 512. */
  memoryMiB?: number;
  /** Boot to ready marker; default 120 s (TCG). */
  timeoutMs?: number;
}


export async function startSshGuest(opts: StartSshGuestOptions): Promise<SshGuest> {
  const { fixture } = opts;
  const profile = PROFILES[fixture.arch];
  const image = fixture.images[opts.image];
  const port = await freeLoopbackPort();
  const nic = profile.virtio === 'pci' ? 'virtio-net-pci,netdev=n0,romfile=' : 'virtio-net-ccw,netdev=n0';
  const argv = [
    ...qemuArgv(profile, {
      accel: opts.accel ?? 'tcg',
      kernel: { path: image.kernel, initrd: image.initrd, cmdline: withConsole(profile, image.cmdlineText) },
      memoryMiB: opts.memoryMiB ?? 512,
      smp: 1,
    }),
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:${fixture.port}`,
    '-device', nic,
  ];
  const started = performance.now();
  const qemu = spawn(profile.binary, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  qemu.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  qemu.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const exited = once(qemu, 'exit');

  const stop = async () => {
    // No pid: QEMU never started, and no exit event will come.
    if (qemu.pid === undefined || qemu.exitCode !== null || qemu.signalCode !== null) return;
    qemu.kill('SIGTERM');
    const killer = setTimeout(() => qemu.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const tail = () => text.split('\n').slice(-30).join('\n');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${fixture.readyMarker}" within ${opts.timeoutMs ?? 120_000} ms; console:\n${tail()}`)), opts.timeoutMs ?? 120_000);
      const check = () => {
        if (text.includes(`${fixture.readyMarker}\r\n`) || text.includes(`${fixture.readyMarker}\n`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      qemu.stdout.on('data', check);
      qemu.on('error', reject);
      void exited.then(([code, signal]) => reject(new Error(`QEMU exited (${signal ?? code}) before "${fixture.readyMarker}"; console:\n${tail()}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const hostKeys = parseHostKeyBlock(text.slice(0, text.indexOf(fixture.readyMarker)));
  return {
    port,
    hostKeys,
    readyMs: performance.now() - started,
    console: () => text,
    ...(hostKeys[0] && { login: { port, username: 'root', privateKey: readFileSync(fixture.clientKey, 'utf8'), fingerprint: hostKeys[0].fingerprint } }),
    running: () => qemu.exitCode === null && qemu.signalCode === null,
    stop,
  };
}

export interface PinnedLogin {
  port: number;
  username: string;
  /** OpenSSH private key text. */
  privateKey: string;
  /** `SHA256:...` the server's host key must have. */
  fingerprint: string;
}

/** Connects to 127.0.0.1, refusing any host key but the pinned one. */
export function connectPinned(login: PinnedLogin): Promise<Client> {
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    // A refused host key is followed by the reset of the socket: both land here, only the first counts.
    client.on('error', (err) => {
      reject(err);
      client.end();
    });
    client.connect({
      host: '127.0.0.1',
      port: login.port,
      username: login.username,
      privateKey: login.privateKey,
      readyTimeout: 30_000,
      hostVerifier: (key: Buffer) => fingerprintOf(key) === login.fingerprint,
    });
  });
}

/** Runs one command on an exec channel (no pty) and collects what it printed. */
export function execOut(client: Client, command: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      channel.on('exit', (code: number | null) => channel.once('close', () => resolve({ stdout, stderr, code })));
    });
  });
}
