/**
 * The seam between the core and the places an image can boot (DESIGN.md §3). The core imports only
 * this file; each platforms/<name>/ folder exports one factory implementing Platform.
 */
import type { Arch, PhaseName, PlatformKind } from '../harness/model/types.js';
import type { ConsoleLog } from '../harness/console/console-log.js';
import type { Fingerprint } from '../harness/metrics/types.js';

export interface Capabilities {
  /** False when this platform cannot boot anything on this host; `reason` says why. */
  available: boolean;
  reason?: string;
  /** "kvm", "tcg", "hardware", … */
  accel: string;
  notes: string[];
  /** What makes this platform's boots comparable with earlier ones (absent when unavailable). */
  fingerprint?: Fingerprint;
}

/** A LinuxKit-style image: `<prefix>-kernel`, `<prefix>-initrd.img`, `<prefix>-cmdline`. */
export interface Image {
  name: string;
  kernel: string;
  initrd: string;
  cmdline: string;
}

/** A file put into the guest before the agent starts (case files, OCI configs). */
export interface PayloadFile {
  path: string;
  data: Buffer;
  mode: number;
}

export interface BootOptions {
  bootId: string;
  /** Where the console log and other per-boot files go. */
  outDir: string;
  /** Files the guest needs; QEMU appends them to a copy of the initrd, SSH would sftp them. */
  payload: PayloadFile[];
  memoryMiB?: number;
  onPhase?: (phase: PhaseName, atMs: number) => void;
}

/** A duplex byte stream: the console or a dedicated agent channel. */
export interface ByteStream {
  /** Subscribes to bytes as they arrive, stamped with ms since the machine was spawned. */
  onData(listener: (chunk: Buffer, atMs: number) => void): () => void;
  write(data: string | Buffer): Promise<void>;
}

/** A dedicated agent channel, and the name the guest finds it by (a virtio-serial port name). */
export interface AgentChannel extends ByteStream {
  readonly guestPort: string;
}

export interface MachineConsole extends ByteStream {
  readonly log: ConsoleLog;
}

export interface ShutdownResult {
  /** ms since spawn at which the machine was gone. */
  poweroffAtMs: number;
  /** True when the guest powered itself off; false when it had to be killed. */
  clean: boolean;
  exitCode: number | null;
  signal: string | null;
  /** Set when the host side broke the machine (e.g. the console log could not be written): not the guest's fault. */
  failure?: Error;
}

/**
 * A booted machine. Contract: `shutdown()` is idempotent, always completes, never throws, and the
 * console log stays readable after it.
 */
export interface Machine {
  readonly id: string;
  readonly console: MachineConsole;
  /** Monotonic ms since spawn. */
  now(): number;
  /** The dedicated agent channel, when the platform has one. */
  channel(): AgentChannel | undefined;
  /** Resolves when the machine stops by itself (guest poweroff, crash). */
  readonly exited: Promise<ShutdownResult>;
  /** What the platform itself said (QEMU's stderr, a provider's error), for error reports. */
  diagnostics(): string;
  shutdown(reason: string, graceMs?: number): Promise<ShutdownResult>;
}

export interface Platform {
  /** Instance name used in results: "qemu-arm64", "aws", "board:rpi4-1". */
  readonly name: string;
  readonly kind: PlatformKind;
  readonly arch: Arch;
  /** What this host can do for the image: availability and accelerator. Cheap after the first call. */
  probe(image: Image): Promise<Capabilities>;
  boot(image: Image, options: BootOptions): Promise<Machine>;
}
