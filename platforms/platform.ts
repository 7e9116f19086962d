/**
 * The seam between the core and the places an image runs (docs/seam.md). The core imports only this
 * file and registry.ts; each platforms/<kind>/ folder exports one factory that the registry names.
 *
 * A platform is a set of small capabilities, in the spirit of labgrid's protocols: a console, a way
 * to start the agent, a way to get files in, optional power, and an ending the platform owns. What
 * limits parallelism (a CPU slot, a host, a board, a cloud quota) is a lease.
 */
import type { ConsoleLog } from '../harness/console/console-log.js';
import type { Fingerprint } from '../harness/metrics/types.js';
import type { Reaper } from '../harness/lifecycle/reaper.js';
import type { Arch, PhaseName, PlatformKind } from '../harness/model/types.js';

export interface Capabilities {
  /** False when this platform cannot run anything here; `reason` says why. */
  available: boolean;
  reason?: string;
  /** The target's architecture; SSH hosts and boards tell it only once probed. */
  arch?: Arch;
  /** "kvm", "tcg", "hardware", "host", … */
  accel: string;
  notes: string[];
  /** What makes this platform's boots comparable with earlier ones (absent when unavailable). */
  fingerprint?: Fingerprint;
}

/** A LinuxKit kernel image: `<prefix>-kernel`, `<prefix>-initrd.img`, `<prefix>-cmdline`. */
export interface KernelImage {
  kind: 'kernel';
  name: string;
  kernel: string;
  initrd: string;
  cmdline: string;
}

/** A target that boots nothing of ours (an SSH host): the case rootfs travel with the session. */
export interface HostImage {
  kind: 'host';
  name: string;
}

export type Image = KernelImage | HostImage;

/** A container rootfs the target may lack, as a tar the platform can ship (cached by digest). */
export interface RootfsArchive {
  name: string;
  tar: string;
  sha256: string;
  /** A static busybox inside the archive, for targets without busybox's applets (`bin/busybox`). */
  busybox?: string;
}

/** A file put into the target before its cases run (case files, OCI configs). */
export interface PayloadFile {
  path: string;
  data: Buffer;
  mode: number;
}

export interface StartOptions {
  bootId: string;
  /** Where the console log and other per-boot files go. */
  outDir: string;
  /** Files the cases need, relative to the guest's payload folder. */
  payload: PayloadFile[];
  /** Rootfs archives for targets whose image does not carry them, by name. */
  rootfs: RootfsArchive[];
  /** Stamps a phase only this platform can see (spawn, connect, power-on, firmware, …). */
  onPhase(phase: PhaseName, atMs: number): void;
}

/** A duplex byte stream whose bytes arrive stamped with ms since the machine started. */
export interface ByteStream {
  onData(listener: (chunk: Buffer, atMs: number) => void): () => void;
  write(data: string | Buffer): Promise<void>;
}

/** Bytes in and out, and their log; the core layers lines, markers and death patterns on the log. */
export interface Console extends ByteStream {
  readonly log: ConsoleLog;
}

/** A dedicated agent channel beside the console, and how the agent finds it: `virtio:<port name>`. */
export interface AgentChannel extends ByteStream {
  readonly locator: string;
}

export interface Power {
  on(): Promise<void>;
  off(): Promise<void>;
  cycle(): Promise<void>;
}

/** A command running on the target: stdin and stdout as a stream, and how it ended. */
export interface ExecSession extends ByteStream {
  /** Everything it wrote to stderr so far (bounded), for error reports. */
  stderr(): string;
  readonly closed: Promise<{ code: number | null; signal?: string }>;
  close(): void;
}

/** A login on a console that offers no root shell: the password comes from the user's environment. */
export interface ConsoleLogin {
  user: string;
  password?: string;
}

/**
 * How the agent gets going: typed into a shell on the console (frames on `channel` when there is
 * one, on the console otherwise), or exec'd over a command channel with frames on its stdout.
 */
export type AgentStart =
  | { kind: 'typed'; channel?: AgentChannel; login?: ConsoleLogin }
  | { kind: 'exec'; exec(script: Buffer, args: string[]): Promise<ExecSession> };

/**
 * How case files reach the target: already in place when it started (an appended initrd, a tar disk,
 * a TFTP initrd), uploaded after it is up (sftp), or sent through the agent's own channel as framed
 * chunks with CRCs (a board's only UART, a restored snapshot).
 */
export type Transfer =
  | { kind: 'preloaded' }
  | { kind: 'upload'; put(files: PayloadFile[]): Promise<void> }
  | { kind: 'agent'; chunkBytes: number; window: number };

/** Where the agent finds things on the target; the agent's own defaults suit the bundled images. */
export interface GuestLayout {
  /** The agent's private state (mode 0700 on a shared host). */
  state: string;
  /** The folder the payload's paths are relative to. */
  payload: string;
  /** Where `<rootfs>/rootfs` folders are. */
  containers: string;
  /** Folder of busybox applet links to put first on PATH, for hosts without busybox. */
  applets?: string;
}

export interface MachineEnd {
  /** ms since start at which the machine was gone (or the session closed). */
  atMs: number;
  /** True when it ended by itself or as asked; false when it had to be killed. */
  clean: boolean;
  /** The platform's own words for how it ended, for error reports. */
  detail: string;
  /** Set when the host side broke the machine (its console log could not be written): not the target's fault. */
  failure?: Error;
}

/**
 * A started target. Contract: `end()` is idempotent, always completes, never throws, and the
 * console log stays readable after it.
 */
export interface Machine {
  readonly id: string;
  /** Monotonic ms since the platform started it. */
  now(): number;
  /** Absent on a plain SSH host. */
  readonly console?: Console;
  readonly power?: Power;
  readonly agent: AgentStart;
  readonly transfer: Transfer;
  readonly layout: GuestLayout;
  /** What the agent does on `bye`: power the target off, or exit and leave it up. */
  readonly onBye: 'poweroff' | 'exit';
  /** The phase the core stamps when the machine is gone: `poweroff`, or `disconnect` for a host that stays up. */
  readonly endPhase: PhaseName;
  /** Resolves when the machine stops by itself (guest poweroff, crash, connection lost). */
  readonly exited: Promise<MachineEnd>;
  /** What the platform itself said (QEMU's stderr, a provider's error), for error reports. */
  diagnostics(): string;
  /** The platform's own ending: QEMU powers off, an SSH host removes its state folder and stays up. */
  end(reason: string, graceMs?: number): Promise<MachineEnd>;
}

/** What a session asks of its platform for the time it runs. */
export interface LeaseRequest {
  sessionId: string;
  /** Aborted when the run is being stopped: waiting for capacity ends then. */
  signal: AbortSignal;
}

/**
 * What limits parallelism, held for one session. Registered with the reaper before anything is
 * created; `release()` is idempotent and never throws (it kills, destroys or unlocks).
 */
export interface Lease {
  /** What is held, for reports: "cpu slot", "host root@h", "board rpi4-1". */
  readonly what: string;
  start(image: Image, options: StartOptions): Promise<Machine>;
  release(): Promise<void>;
}

export interface Platform {
  /** As the user names it and results show it: "qemu:arm64", "ssh:root@10.0.0.5:22", "board:rpi4-1". */
  readonly name: string;
  readonly kind: PlatformKind;
  /** Known before probing where the name says it (qemu:arm64); otherwise the probe tells. */
  readonly arch?: Arch;
  /** The kind of image it runs: a kernel it boots, or the host as it is. */
  readonly runs: Image['kind'];
  /**
   * Whether the compiled agent (harness/guest/agentd/) travels in the payload when there is one for
   * the target's arch. A platform whose payload crosses a slow line, or arrives only once the agent
   * runs, leaves it out: the sh agent does the cases then.
   */
  readonly compiledAgent: boolean;
  /** Can it run here, on which arch, and what makes its results comparable. Cheap after the first call. */
  probe(image: Image): Promise<Capabilities>;
  /** Waits for capacity (a CPU slot, the host, a board) and holds it for one session. */
  lease(request: LeaseRequest): Promise<Lease>;
}

/** A `harness run` option that belongs to one platform kind, in commander's notation. */
export interface PlatformOption {
  flags: string;
  description: string;
  default?: string | boolean;
}

export interface PlatformContext {
  reaper: Reaper;
  cacheDir: string;
  /** Every platform option's value, by commander's camelCase name; each factory validates its own. */
  options: Readonly<Record<string, unknown>>;
  /** `--slots`: sessions at once per platform capacity (CPU slots, one SSH host). */
  slots?: number;
  /** One value per key for the whole run, shared by every platform made in it (QEMU's CPU slots). */
  shared<T>(key: string, make: () => T): T;
}

export interface PlatformFactory {
  kind: PlatformKind;
  /** The name forms this factory takes, for help and errors. */
  forms: string[];
  options: PlatformOption[];
  /** The platforms one name makes, or undefined when the name is not this factory's. */
  create(name: string, context: PlatformContext): Platform[] | undefined;
}
