/**
 * The QEMU platform's `harness run` options and their validation. Everything a user can type is
 * checked here, once, with a UsageError naming the flag; the argv builders take the checked values.
 */
import { UsageError } from '../../harness/model/errors.js';
import type { PlatformOption } from '../platform.js';

export type DataDisk = { kind: 'new'; bytes: number } | { kind: 'file'; path: string };
export type DiskBus = 'virtio-blk' | 'virtio-scsi';
export type FirmwareWish = 'auto' | 'bios' | 'uefi';

/** A host port forwarded to a guest port, bound to 127.0.0.1 only. */
export interface Forward {
  host: number;
  guest: number;
}

export type Login =
  | { kind: 'console'; user?: string; password?: string }
  | { kind: 'ssh'; user: string; identity: string; guestPort: number; hostKey?: string };

export interface QemuSettings {
  channel: 'virtio' | 'console';
  cpus: number;
  memoryMiB: number;
  disks: DataDisk[];
  diskBus: DiskBus;
  networking: 'none' | 'user';
  publish: Forward[];
  firmware: FirmwareWish;
  login: Login;
  /** Sessions may start from a saved state of the booted image (snapshot.ts). */
  snapshot: boolean;
  snapshotCache?: string;
}

export const QEMU_OPTIONS: PlatformOption[] = [
  { flags: '--channel <kind>', description: 'QEMU: agent frames over a virtio-serial port, or over the console as on a one-UART board', default: 'virtio' },
  { flags: '--cpus <n>', description: 'QEMU: vCPUs per guest', default: '1' },
  { flags: '--mem <size>', description: 'QEMU: guest memory, in MiB or with a unit (512, 1G)', default: '512' },
  { flags: '--firmware <kind>', description: 'QEMU: auto, bios (SeaBIOS, x86_64) or uefi (OVMF, AAVMF)', default: 'auto' },
  { flags: '--disk <spec>', description: 'QEMU: a data disk, size=1G (new, empty) or file=PATH (never written: an overlay takes the writes); repeatable', repeatable: true },
  { flags: '--disk-bus <bus>', description: 'QEMU: virtio-blk or virtio-scsi, for the image disk and data disks', default: 'virtio-blk' },
  { flags: '--networking <mode>', description: 'QEMU: none or user (slirp); default user with --publish or --login ssh, else none' },
  { flags: '--publish <host:guest>', description: 'QEMU: forward 127.0.0.1:host to the guest\'s TCP port; repeatable', repeatable: true },
  { flags: '--login <how>', description: 'QEMU: console (a root shell, or a login prompt with --login-user) or ssh (with --identity)', default: 'console' },
  { flags: '--login-user <user>', description: 'QEMU: the user to log in as at a console login prompt or over SSH' },
  { flags: '--login-password-env <var>', description: 'QEMU: the environment variable holding the console login password (redacted from every report)' },
  { flags: '--identity <key>', description: 'QEMU: private key for --login ssh' },
  { flags: '--no-snapshot', description: 'QEMU: boot every session instead of starting from a saved state of the booted image', default: true },
  { flags: '--snapshot-cache <dir>', description: 'QEMU: where saved states of booted images are kept (default <cache>/snapshots)' },
  { flags: '--host-key <fingerprint>', description: 'QEMU: with --login ssh, the guest\'s host key (default: the one the guest prints on its console)' },
];

const UNITS: Readonly<Record<string, number>> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "512M", "1G", "1.5G", "4096" (bytes unless `bareUnit` says otherwise). */
export function parseSize(text: string, flag: string, bareUnit = 1): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!match) throw new UsageError(flag, `"${text}" is not a size (like 512M or 1G)`);
  const unit = match[2]!.toUpperCase();
  const bytes = Math.round(Number(match[1]) * (unit ? UNITS[unit]! : bareUnit));
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(flag, `"${text}" is not a positive size`);
  return bytes;
}

function choice<T extends string>(value: unknown, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(flag, `unknown value "${String(value)}"; choose from ${allowed.join(', ')}`);
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(flag, `"${text}" is not a TCP port (1-65535)`);
  return n;
}

function dataDisk(spec: string): DataDisk {
  const [key, ...rest] = spec.split('=');
  const value = rest.join('=');
  if (key === 'size' && value) return { kind: 'new', bytes: parseSize(value, '--disk') };
  if (key === 'file' && value) return { kind: 'file', path: value };
  throw new UsageError('--disk', `"${spec}" is neither size=SIZE nor file=PATH`);
}

function forward(spec: string): Forward {
  const match = /^(\d+):(\d+)$/.exec(spec);
  if (!match) throw new UsageError('--publish', `"${spec}" is not host:guest (two TCP ports)`);
  return { host: port(match[1]!, '--publish'), guest: port(match[2]!, '--publish') };
}

function login(options: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>>): Login {
  const how = choice(options['login'], '--login', ['console', 'ssh'], 'console');
  const user = options['loginUser'] === undefined ? undefined : String(options['loginUser']);
  if (user !== undefined && !/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) throw new UsageError('--login-user', `"${user}" is not a user name`);
  const passwordVar = options['loginPasswordEnv'] === undefined ? undefined : String(options['loginPasswordEnv']);
  const identity = options['identity'] === undefined ? undefined : String(options['identity']);
  if (how === 'ssh') {
    if (!identity) throw new UsageError('--login', 'ssh needs --identity KEY');
    if (passwordVar) throw new UsageError('--login-password-env', 'goes with --login console; --login ssh uses --identity');
    const hostKey = options['hostKey'] === undefined ? undefined : String(options['hostKey']);
    if (hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(hostKey)) throw new UsageError('--host-key', `"${hostKey}" is not a SHA256 fingerprint as ssh-keygen -lf prints it`);
    return { kind: 'ssh', user: user ?? 'root', identity, guestPort: 22, ...(hostKey && { hostKey }) };
  }
  if (passwordVar === undefined) return { kind: 'console', ...(user && { user }) };
  if (!user) throw new UsageError('--login-password-env', 'needs --login-user: whose password is it?');
  const password = env[passwordVar];
  if (!password) throw new UsageError('--login-password-env', `the environment variable ${passwordVar} is not set or empty`);
  return { kind: 'console', user, password };
}

/** Every QEMU option checked, from commander's camelCase values; `env` holds the login password. */
export function qemuSettings(options: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string | undefined>> = {}): QemuSettings {
  const cpusText = String(options['cpus'] ?? '1');
  const cpus = Number(cpusText);
  if (!/^\d+$/.test(cpusText) || cpus < 1 || cpus > 64) throw new UsageError('--cpus', `"${cpusText}" is not a vCPU count from 1 to 64`);
  const memoryMiB = Math.floor(parseSize(String(options['mem'] ?? '512'), '--mem', 2 ** 20) / 2 ** 20);
  if (memoryMiB < 64) throw new UsageError('--mem', `${memoryMiB} MiB is too little for any guest here (64 MiB at least)`);
  const publish = list(options['publish']).map(forward);
  const hostPorts = publish.map((f) => f.host);
  const dup = hostPorts.find((p, i) => hostPorts.indexOf(p) !== i);
  if (dup !== undefined) throw new UsageError('--publish', `host port ${dup} is published twice`);
  const resolvedLogin = login(options, env);
  const wantsNet = publish.length > 0 || resolvedLogin.kind === 'ssh';
  const networking = choice(options['networking'], '--networking', ['none', 'user'], wantsNet ? 'user' : 'none');
  if (networking === 'none' && wantsNet) throw new UsageError('--networking', `none, but ${publish.length ? '--publish' : '--login ssh'} needs user networking`);
  return {
    channel: choice(options['channel'], '--channel', ['virtio', 'console'], 'virtio'),
    cpus,
    memoryMiB,
    disks: list(options['disk']).map(dataDisk),
    diskBus: choice(options['diskBus'], '--disk-bus', ['virtio-blk', 'virtio-scsi'], 'virtio-blk'),
    networking,
    publish,
    firmware: choice(options['firmware'], '--firmware', ['auto', 'bios', 'uefi'], 'auto'),
    login: resolvedLogin,
    // commander gives --no-snapshot as `snapshot: false`.
    snapshot: options['snapshot'] !== false,
    ...(typeof options['snapshotCache'] === 'string' && { snapshotCache: options['snapshotCache'] }),
  };
}
