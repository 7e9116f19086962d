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
import type { Arch, ErrorClass, PhaseName, PlatformKind, TransferRecord } from '../harness/model/types.js';

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

/** A root file system image the kernel mounts from its first disk: LinuxKit's `-squashfs.img`, `-erofs.img`. */
export interface RootImage {
  path: string;
  fs: 'squashfs' | 'erofs';
}

/**
 * A LinuxKit kernel image: `<prefix>-kernel`, `<prefix>-initrd.img`, `<prefix>-cmdline`, and for the
 * kernel+squashfs and kernel+erofs formats `<prefix>-squashfs.img` or `<prefix>-erofs.img` (the
 * initrd is optional then).
 */
export interface KernelImage {
  kind: 'kernel';
  name: string;
  kernel: string;
  initrd?: string;
  cmdline: string;
  root?: RootImage;
}

export type DiskFormat = 'iso' | 'raw' | 'qcow2' | 'vhd' | 'vmdk';

/** A bootable disk or CD image, recognised by its content: the firmware boots it, not the platform. */
export interface DiskImage {
  kind: 'disk';
  name: string;
  path: string;
  format: DiskFormat;
  /** What detection found, for people: "GPT, ESP with BOOTX64.EFI", "El Torito BIOS+EFI", "VHD dynamic". */
  detail: string;
  /** Which firmware can boot it: BIOS (MBR boot code, an El Torito x86 entry), UEFI (a removable-media EFI binary). */
  firmware: { bios: boolean; uefi: boolean };
  /** Architectures of its EFI boot binaries; a BIOS-only image is x86_64. */
  arches: Arch[];
}

/** A target that boots nothing of ours (an SSH host): the case rootfs travel with the session. */
export interface HostImage {
  kind: 'host';
  name: string;
}

export type Image = KernelImage | DiskImage | HostImage;

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
  /**
   * The files of `payload` that every session of this image gets alike (the compiled agent). A
   * platform that saves a booted state may keep them in it, and then says `residentLoaded`.
   */
  resident?: PayloadFile[];
  /** Rootfs archives for targets whose image does not carry them, by name. */
  rootfs: RootfsArchive[];
  /** The session needs a real boot (a fresh-machine case, boot-time samples): no saved state may stand in. */
  freshBoot: boolean;
  /** Values no file may hold (a login password, cloud keys): the console log masks them. */
  secrets: readonly string[];
  /** Stamps a phase only this platform can see (spawn, connect, power-on, firmware, …). */
  onPhase(phase: PhaseName, atMs: number): void;
  /**
   * For a start that lasts past the first console byte (a cloud instance boots long before it can be
   * logged into): the console as soon as it exists, so the core stamps phases and watches for death
   * from its first line. `now` is the clock its bytes are stamped with.
   */
  onConsole?(console: Console, now: () => number): void;
  /** Records a file the platform moved before the kernel ran (a TFTP load), for the boot record. */
  onTransfer?(transfer: TransferRecord): void;
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
  /**
   * Through the agent, in checked chunks. The compiled agent (600 KB) never goes this way: agent.sh
   * reads a line a byte per system call, which took 58 s for it on arm64 under TCG, and a UART
   * needs a minute. `residentLoaded`: the resident files are in the guest already (a restored state
   * holds them), so the compiled agent runs there all the same.
   */
  | { kind: 'agent'; chunkBytes: number; window: number; residentLoaded?: boolean };

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
  /**
   * Started from a saved state of a guest that had booted to its shell (a QEMU snapshot): nothing
   * boots, the console is silent until typed into, and the clock and entropy are the saved ones.
   */
  readonly resumed?: boolean;
  readonly power?: Power;
  readonly agent: AgentStart;
  readonly transfer: Transfer;
  readonly layout: GuestLayout;
  /**
   * What the agent does on `bye`: power the target off (and the core waits until it stopped), exit and
   * leave it up, or `halt`: power off as far as the target's kernel can, while the platform cuts the
   * power itself in `end()` (a board halts but stays powered, and its last console bytes may not come),
   * so nobody waits for the machine to stop by itself.
   */
  readonly onBye: 'poweroff' | 'exit' | 'halt';
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

/** How the session on a lease went, so a platform can take a target that keeps failing out of service. */
export interface LeaseOutcome {
  ok: boolean;
  errorClass?: ErrorClass;
  reason?: string;
}

/**
 * What limits parallelism, held for one session. Registered with the reaper before anything is
 * created; `release()` is idempotent and never throws (it kills, destroys or unlocks). Without an
 * outcome (the run was interrupted) the session says nothing about the target.
 */
export interface Lease {
  /** What is held, for reports: "cpu slot", "host root@h", "board rpi4-1". */
  readonly what: string;
  start(image: Image, options: StartOptions): Promise<Machine>;
  release(outcome?: LeaseOutcome): Promise<void>;
}

export interface Platform {
  /** As the user names it and results show it: "qemu:arm64", "ssh:root@10.0.0.5:22", "board:rpi4-1". */
  readonly name: string;
  readonly kind: PlatformKind;
  /** Known before probing where the name says it (qemu:arm64); otherwise the probe tells. */
  readonly arch?: Arch;
  /** What it runs: an image it boots (kernel or disk, as its probe accepts), or the host as it is. */
  readonly runs: 'kernel' | 'host';
  /** Can it run here, on which arch, and what makes its results comparable. Cheap after the first call. */
  probe(image: Image): Promise<Capabilities>;
  /** Waits for capacity (a CPU slot, the host, a board) and holds it for one session. */
  lease(request: LeaseRequest): Promise<Lease>;
  /**
   * How many sessions its leases run at once, where it knows and more than one pays: a run with
   * fewer sessions than this splits its longest ones so no capacity idles. Absent: one.
   */
  readonly parallel?: number;
  /** Values it knows that must never reach a report or the terminal (a console password). */
  secrets?(): string[];
}

/** A `harness run` option that belongs to one platform kind, in commander's notation. */
export interface PlatformOption {
  flags: string;
  description: string;
  default?: string | boolean;
  /** Given more than once, it collects its values into a list. */
  repeatable?: boolean;
  /** A file or folder: a relative value in a config file is relative to that file, not to where harness runs. */
  path?: boolean;
}

export interface PlatformContext {
  reaper: Reaper;
  cacheDir: string;
  /** Every platform option's value, by commander's camelCase name; each factory validates its own. */
  options: Readonly<Record<string, unknown>>;
  /** The harness's environment, for options that name a variable (a password is never a flag). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `--slots`: sessions at once per platform capacity (CPU slots, one SSH host). */
  slots?: number;
  /** One value per key for the whole run, shared by every platform made in it (QEMU's CPU slots). */
  shared<T>(key: string, make: () => T): T;
  /** The run's id, where there is a run (`harness run`): cloud resources carry it in their tags. */
  runId?: string;
}

/** One target a factory manages, as an inventory shows it (`harness lab status`). */
export interface InventoryEntry {
  name: string;
  state: 'free' | 'leased' | 'quarantined';
  /** By whom and since when, or why it is out of service. */
  detail: string;
}

export interface PlatformFactory {
  kind: PlatformKind;
  /** The name forms this factory takes, for help and errors. */
  forms: string[];
  options: PlatformOption[];
  /** The platforms one name makes, or undefined when the name is not this factory's. */
  create(name: string, context: PlatformContext): Platform[] | undefined;
  /** The targets it manages and their state, for kinds that keep an inventory (a lab of boards). */
  inventory?(options: Readonly<Record<string, unknown>>, cacheDir: string): Promise<InventoryEntry[]>;
}
