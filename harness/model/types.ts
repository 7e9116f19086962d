/**
 * Plain data shared by every stage of a run: case definitions, results, boot records.
 * Nothing here does I/O, so every module may import it.
 */

export const ARCHES = ['x86_64', 'arm64', 's390x'] as const;
export type Arch = (typeof ARCHES)[number];
/** A platform's arch as results show it: an SSH host that could not be reached never said which. */
export type TargetArch = Arch | 'unknown';

/** Platform families a case may be restricted to (`platforms:` in case.yaml). */
export const PLATFORM_KINDS = ['qemu', 'ssh', 'cloud', 'board'] as const;
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

/**
 * How a case is judged: `tap` reads TAP on stdout (and the exit code); `exit-code` keeps the output as
 * a log and passes on exit 0, as rtf does; `linuxkit` looks for LinuxKit's `<name> test suite PASSED`
 * or `FAILED` line, on a container's stdout or an image's console.
 */
export const RESULT_KINDS = ['tap', 'exit-code', 'linuxkit'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

/**
 * The container runtimes a case may name (`runtime:` in case.yaml); without one the agent takes the
 * best the target has: crun, then runc, then busybox unshare (docs/security.md).
 */
export const RUNTIMES = ['crun', 'runc', 'unshare'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface ContainerDef {
  name: string;
  /** A rootfs the image ships under /containers/<rootfs>/rootfs, plus the case's files/ at /case. */
  rootfs: string;
  /** argv; a string is run through /bin/sh -c inside the container. */
  run: string[];
  env: Record<string, string>;
}

export interface CaseDef {
  /** Folder name under cases/; stable identity used in results and history. */
  id: string;
  /** Absolute folder of the case. */
  dir: string;
  /** Absolute path of case.yaml, for error messages. */
  file: string;
  name: string;
  summary: string;
  labels: string[];
  arch: Arch[];
  platforms: PlatformKind[];
  timeoutMs: number;
  freshMachine: boolean;
  /** The image prints TAP itself and powers off; the harness only boots it and reads the result. */
  imageRunsOwnTests: boolean;
  /**
   * With imageRunsOwnTests: `fixture:<name>`, or the absolute prefix of a LinuxKit image
   * (`<prefix>-kernel`, `-initrd.img`, `-cmdline`). Absent: the image the run was given.
   */
  image?: string;
  /** How its output is judged. */
  result: ResultKind;
  /** Every capability, no seccomp, nothing masked: runs in a boot of its own. */
  privileged: boolean;
  /** Capabilities beyond the default container profile; a case that lists any is privileged too. */
  capabilities: string[];
  /** The runtime the case asks for; a target without it reports an infrastructure error. */
  runtime?: Runtime;
  containers: ContainerDef[];
  /** Files under <dir>/files, relative, already checked not to escape the folder. */
  files: string[];
  /** The suite's lib/ folder, shared by every case at /case/lib (checked like `files`). */
  shared?: { dir: string; files: string[] };
}

export type TapFormat = 'tap14' | 'tap13' | 'tap12' | 'ktap' | 'none';

export interface TapPlan {
  start: number;
  end: number;
  /** `1..0 # SKIP reason` */
  skipAll?: string;
}

export interface TapAssert {
  id: number;
  name: string;
  ok: boolean;
  /** Present when the test point carries a SKIP directive; the reason, or '' when none was given. */
  skip?: string;
  todo?: string;
  /** The YAML diagnostic block, parsed. */
  diag?: Record<string, unknown>;
  subtest?: TapSummary;
}

export interface TapSummary {
  format: TapFormat;
  plan?: TapPlan;
  asserts: TapAssert[];
  /** The stream as a whole: every non-TODO assert ok, plan present and honoured, no bail out. */
  ok: boolean;
  bailout?: string;
  /** Why `ok` is false beyond failed asserts: missing plan, count mismatch, parse errors. */
  problems: string[];
  counts: { total: number; pass: number; fail: number; skip: number; todo: number };
}

export type Outcome = 'pass' | 'fail' | 'skip' | 'flaky' | 'error';
export type ErrorClass = 'infra' | 'boot' | 'timeout' | 'harness';

export interface ContainerResult {
  name: string;
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  /**
   * Absent for TAP. Otherwise the output was not read as TAP, and `tap` is an empty summary whose
   * `ok` and `problems` carry that verdict.
   */
  result?: Exclude<ResultKind, 'tap'>;
  tap: TapSummary;
  /** Bounded copies for reports; the full streams are in the output folder. */
  stdout: string;
  stderr: string;
  /** Paths of the full streams, for reports that link or read past the bounded copies. */
  stdoutFile?: string;
  stderrFile?: string;
}

export interface CaseResult {
  caseId: string;
  name: string;
  /** Platform name, e.g. "qemu:arm64". */
  platform: string;
  arch: TargetArch;
  /** Boot that ran the case; joins with BootRecord.id. */
  bootId: string;
  /** Which pass of `--repeat` produced this result, from 1. */
  repeat: number;
  outcome: Outcome;
  errorClass?: ErrorClass;
  /** Skip reason, failure summary or error message. */
  reason?: string;
  startedAt: string;
  durationMs: number;
  attempts: number;
  containers: ContainerResult[];
  /** The case.yaml it came from, for annotations. */
  file?: string;
  labels?: string[];
  /** It ran with more than the default container profile (`privileged` or `capabilities` in case.yaml). */
  privileged?: boolean;
  /** `reduced` where the target's runtime could not apply the default profile (docs/security.md). */
  isolation?: 'full' | 'reduced';
  /** Byte offsets into its boot's console log spanning the time it ran. */
  console?: { start: number; end: number };
}

export type PhaseName =
  | 'spawn'
  | 'connect'
  | 'powerOn'
  /** A cloud instance was asked for, and the provider says it runs. */
  | 'request'
  | 'running'
  | 'firstByte'
  | 'firmware'
  | 'bootloader'
  | 'imagesLoaded'
  | 'kernel'
  | 'init'
  /** The target's SSH server answered with a host key the harness trusts. */
  | 'sshReady'
  | 'ready'
  | 'firstCase'
  | 'lastCaseEnd'
  | 'poweroff'
  | 'disconnect'
  /** Every cloud resource of the boot is deleted. */
  | 'destroyed';

/**
 * Points on the guest's own printk clock: the kernel banner, init, and the initramfs unpack, which
 * runs beside other kernel work and so shows on this clock long before it lengthens a host phase.
 */
export type GuestClockMark = 'kernel' | 'init' | 'unpackStart' | 'unpackEnd';

export interface BootRecord {
  id: string;
  platform: string;
  arch: TargetArch;
  accel: string;
  /** Name of the image booted (`harness`, `selftest`, a LinuxKit prefix's base name). */
  image: string;
  /** Milliseconds since spawn, host monotonic clock; a phase that did not happen is absent. */
  phases: Partial<Record<PhaseName, number>>;
  consoleLog: string;
  caseIds: string[];
  /** The guest's printk clock (ms) at the kernel and init markers, when the kernel prints timestamps. */
  guestClock: Partial<Record<GuestClockMark, number>>;
  /** From the kernel's banner on the console. */
  kernelVersion?: string;
  /** Which pass of `--repeat` this boot belongs to, from 1. */
  repeat: number;
  /** A cloud instance's billed life, request to destroyed, in seconds; absent where nothing is billed. */
  instanceSeconds?: number;
  /** What the agent found in the guest; absent when it never started. */
  guest?: { agent: 'sh' | 'agentd'; runtime: string; kernel: string; arch: string; channel: string; isolation: 'full' | 'reduced'; userns: boolean };
  outcome: 'ok' | 'error';
  errorClass?: ErrorClass;
  reason?: string;
  /** Started from a saved state instead of booting (a QEMU snapshot): its phases are no boot's. */
  resumed?: boolean;
  /** Files the platform moved before the kernel ran (a board's TFTP loads), with how long each took. */
  transfers?: TransferRecord[];
}

export interface TransferRecord {
  what: string;
  bytes: number;
  ms: number;
}

export interface SkippedCase {
  caseId: string;
  /** The platform it cannot run on; absent when it was left out of the whole run. */
  platform?: string;
  reason: string;
}

export interface RunInfo {
  runId: string;
  startedAt: string;
  outDir: string;
  platforms: string[];
  selected: number;
  skipped: SkippedCase[];
  /** What was tested (`--revision`): shards of one suite must agree on it to be merged. */
  revision?: string;
  /** `--shard i/n`: which part of a suite spread over CI runners this run is. */
  shard?: { index: number; total: number };
}

/** Past case durations (ms), medians from the history: a case's on any platform, and on each platform by name. */
export interface CaseDurations {
  any: ReadonlyMap<string, number>;
  onPlatform: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface RunSummary {
  runId: string;
  durationMs: number;
  results: CaseResult[];
  boots: BootRecord[];
  skipped: SkippedCase[];
  exitCode: ExitCode;
}

/** Process exit codes (DESIGN.md §7). */
export const EXIT = { ok: 0, testFailed: 1, usage: 2, infra: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Reporters listen to run events. Every hook is optional; the multiplexer isolates their errors.
 * Options come through the constructor only: reporters read no environment or globals.
 */
export interface Reporter {
  onRunBegin?(info: RunInfo): void | Promise<void>;
  onBootBegin?(bootId: string, platform: string): void;
  onBootPhase?(bootId: string, phase: PhaseName, atMs: number): void;
  onCaseBegin?(caseId: string, platform: string): void;
  onCaseEnd?(result: CaseResult): void;
  onBootEnd?(record: BootRecord): void;
  onRunEnd?(summary: RunSummary): void | Promise<void>;
}
