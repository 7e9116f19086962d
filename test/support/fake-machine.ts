/**
 * A Machine without QEMU: a scripted imitation of a guest that boots, runs a console shell and then
 * the agent of docs/protocol.md, so BootWatch, AgentLink and runSession can be tested in
 * milliseconds. It implements the same `Machine` interface as platforms/qemu/machine.ts and behaves
 * like it where the core can tell: asynchronous console bytes stamped with a monotonic clock, a real
 * ConsoleLog, `exited` resolving once, an idempotent `shutdown()` that closes the log.
 *
 * The guest is strict where a real one would be: it only reacts to what the host types, it echoes
 * typed lines until `stty -echo`, it computes the agent's CRC over the text it actually received
 * between the heredoc lines, and it writes frames with the production `encodeFrame`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { ConsoleLog } from '../../harness/console/console-log.js';
import { encodeFrame, type FrameKind } from '../../harness/console/frames.js';
import type { PhaseName } from '../../harness/model/types.js';
import type { AgentChannel, AgentStart, Console, Machine, MachineEnd, PayloadFile } from '../../platforms/platform.js';

/** What a case script can make the fake guest do while the host waits for that container. */
export interface FakeCaseContext {
  readonly caseId: string;
  readonly container: string;
  /** The timeout the host put on the `run` command, in seconds. */
  readonly timeoutSecs: number;
  /** A `stdout` frame with these bytes. */
  stdout(data: string | Buffer): void;
  /** A `stderr` frame with these bytes. */
  stderr(data: string | Buffer): void;
  /** An agent `error` frame (the agent could not set the container up). */
  error(message: string): void;
  /** The `exit` frame. A script that returns without one (and without dying or hanging) exits 0. */
  exit(code: number | 'timeout'): void;
  /** A kernel message on the console: `[  uptime] text\r\n`. */
  printk(text: string): void;
  /** Bytes on the console exactly as given (a printk line cut before its newline, say). */
  rawConsole(bytes: string | Buffer): void;
  /** The next frame goes out with one character of its payload changed (its CRC no longer matches). */
  corruptNext(): void;
  /** The next frame is lost: its seq is used but it is never sent. */
  skipSeq(): void;
  /** Prints a kernel panic on the console; the machine then exits, as QEMU does with -no-reboot. */
  panic(): Promise<never>;
  /** The machine exits without a word (QEMU killed or crashed). */
  die(): Promise<never>;
  /** The agent stops answering: no more frames for this or any later command. */
  hang(): Promise<never>;
  sleep(ms: number): Promise<void>;
}

export type FakeCaseScript = (ctx: FakeCaseContext) => void | Promise<void>;

export interface FakeMachineOptions {
  /** Machine id; also names the console log file. Default `fake-0`. */
  id?: string;
  /** Where the console log goes; a new temp directory when absent. */
  outDir?: string;
  /** StartOptions.onPhase: the fake stamps `spawn` like the QEMU platform does. */
  onPhase?: (phase: PhaseName, atMs: number) => void;
  /** The payload the image carries (the transfer is `preloaded`): its files are under `layout.payload` from the start. */
  payload?: PayloadFile[];
  /** Whether the machine has a dedicated agent channel (a virtio port). Default false. */
  channel?: boolean;
  /**
   * With `channel`, the agent cannot find the port inside the guest (no virtio_console module) and
   * falls back to the console, as agent.sh does.
   */
  portMissing?: boolean;
  /** Whether init prints `harness-init: ready`. Without it the host has to probe. Default true. */
  readyMarker?: boolean;
  /** Per `<case>/<container>` or per `<case>`; a run with no script gets an `error` frame and exit 125. */
  cases?: Record<string, FakeCaseScript>;
  /** The agent starts but never says hello. */
  silentAgent?: boolean;
  /** One character of the agent text is changed on its way in, before its CRC is taken. */
  damageAgent?: boolean;
  /** The hello's runtime field. Default `fake`. */
  runtime?: string;
  /** Delay before the guest reacts to what the host types, in ms. Default 1. */
  latencyMs?: number;
  /**
   * Delivers every console and channel write in pieces of at most this many bytes, one `onData`
   * call each, as a serial port does. Default: whole writes.
   */
  chunkBytes?: number;
  /** What `diagnostics()` returns (QEMU's stderr). Default empty. */
  diagnostics?: string;
  /** A lying agent: the case-begin payload it sends for a unit (default `<unit> <case> <container>`). */
  beginAs?: (unit: number, caseId: string, container: string) => string;
  /** A lying agent: the unit it names in exit frames (default the running one). */
  exitUnit?: (unit: number) => number;
}

/** A `run` command the fake agent received. */
export interface FakeRun {
  unit: number;
  caseId: string;
  container: string;
  timeoutSecs: number;
}

/** A frame the fake agent wrote (or meant to write, for one lost by `skipSeq`). */
export interface FakeFrame {
  seq: number;
  kind: FrameKind;
  payload: Buffer;
  via: 'console' | 'channel';
  fate: 'sent' | 'corrupted' | 'dropped';
}

type Listener = (chunk: Buffer, atMs: number) => void;

const KERNEL_VERSION = '6.1.0';
const AGENT_LINE = /^exec sh (\S+) chan=(\S+)(?: \S+=\S+)*$/;
const HEREDOC_START = /^cat > (\S+) <<'([A-Za-z_][A-Za-z0-9_]*)'$/;
const CHANNEL_DEVICE = '/dev/vport1p1';

/** The console of a small x86 guest booting the bundled fixtures, up to (not including) the ready marker. */
const BOOT_LINES = [
  '[    0.000000] Linux version 6.1.0-fake (builder@fake) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0 (2024-01-01)',
  '[    0.000000] Command line: console=ttyS0 panic=-1 printk.time=1',
  '[    0.004021] x86/fpu: Supporting XSAVE feature 0x001: \'x87 floating point registers\'',
  '[    0.212345] pci 0000:00:01.0: [8086:7000] type 00 class 0x060100',
  '[    0.523456] Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled',
  '[    0.601234] virtio_console virtio1: 1 port(s)',
  '[    1.187654] Freeing unused kernel image (initmem) memory: 2660K',
  '[    1.200000] Run /init as init process',
  'harness-init: mounting /proc /sys /dev',
];

function printkTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const micros = Math.floor((seconds - whole) * 1e6);
  return `[${String(whole).padStart(5)}.${String(micros).padStart(6, '0')}]`;
}

/** One character of a frame line changed inside the payload (or the CRC, for an empty payload). */
function damage(line: string): string {
  const fields = line.replace(/\n$/, '').split(' ');
  const at = fields[3] === '-' ? 4 : 3;
  const field = fields[at]!;
  const i = Math.floor(field.length / 2);
  const c = field[i]!;
  fields[at] = field.slice(0, i) + (c === 'a' ? 'b' : 'a') + field.slice(i + 1);
  return `${fields.join(' ')}\n`;
}

class Fanout {
  private readonly listeners = new Set<Listener>();
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(chunk: Buffer, atMs: number): void {
    for (const listener of [...this.listeners]) listener(chunk, atMs);
  }
}

/** Splits bytes into `\n`-terminated lines, keeping the unfinished one. */
class InputLines {
  private pending = '';
  push(text: string): string[] {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop()!;
    return parts;
  }
}

export class FakeMachine implements Machine {
  readonly id: string;
  readonly console: Console;
  readonly agent: AgentStart;
  readonly transfer = { kind: 'preloaded' } as const;
  readonly layout = { state: '/run/harness', payload: '/harness', containers: '/containers' };
  readonly onBye = 'poweroff' as const;
  readonly endPhase = 'poweroff' as const;
  readonly exited: Promise<MachineEnd>;
  /** Resolves when the console shell has started (after the boot lines and init's output). */
  readonly shellStarted: Promise<void>;

  /** Everything the host wrote to the console, in order. */
  readonly typedOnConsole: string[] = [];
  /** Everything the host wrote to the channel, in order. */
  readonly typedOnChannel: string[] = [];
  /** The `run` commands the agent received. */
  readonly runs: FakeRun[] = [];
  /** Every frame the agent produced, including damaged and lost ones. */
  readonly frames: FakeFrame[] = [];
  /** Reasons given to `end()`, one per call. */
  readonly shutdowns: string[] = [];
  /** Files written by the console shell (the agent's heredoc), as received. */
  readonly files = new Map<string, string>();
  /** The nonce the host gave the agent, once it started. */
  nonce: string | undefined;
  /** Where the agent writes frames and reads commands, once it started. */
  agentOn: 'console' | 'channel' | undefined;
  /** The agent's arguments, as typed. */
  agentArgs: string | undefined;

  private readonly options: FakeMachineOptions;
  private readonly t0 = performance.now();
  private skewMs = 0;
  private readonly consoleOut = new Fanout();
  private readonly channelOut = new Fanout();
  private readonly channelStream: AgentChannel | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private resolveExited!: (result: MachineEnd) => void;
  private resolveShell!: () => void;
  private gone = false;
  /** The guest does nothing any more (panicked, died or powered off), though the machine may not have exited yet. */
  private halted = false;
  private hung = false;
  private stopping: Promise<MachineEnd> | undefined;
  /** The agent reads its nonce as its first line of input. */
  private awaitingNonce: { path: string; want: string } | undefined;

  // The console shell.
  private shell: 'booting' | 'running' | 'replaced' = 'booting';
  private echo = true;
  private prompt = '/ # ';
  private readonly consoleLines = new InputLines();
  private readonly pendingInput: string[] = [];
  private heredoc: { path: string; end: string; lines: string[] } | undefined;

  // The agent.
  private seq = 0;
  private corruptNextFrame = false;
  private dropNextFrame = false;
  private readonly agentLines = new InputLines();
  private agentQueue: Promise<void> = Promise.resolve();

  constructor(options: FakeMachineOptions = {}) {
    this.options = options;
    for (const f of options.payload ?? []) this.files.set(`${this.layout.payload}/${f.path}`, f.data.toString());
    this.id = options.id ?? 'fake-0';
    const dir = options.outDir ?? mkdtempSync(join(tmpdir(), 'fake-machine-'));
    const log = new ConsoleLog({ path: join(dir, `${this.id}.console.log`) });
    this.console = {
      log,
      onData: (listener) => this.consoleOut.on(listener),
      write: (data) => this.hostWrote('console', data),
    };
    if (options.channel) {
      this.channelStream = {
        locator: 'virtio:harness.0',
        onData: (listener) => this.channelOut.on(listener),
        write: (data) => this.hostWrote('channel', data),
      };
    }
    this.agent = { kind: 'typed', channel: this.channelStream };
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    this.shellStarted = new Promise((resolve) => {
      this.resolveShell = resolve;
    });
    options.onPhase?.('spawn', 0);
    this.boot();
  }

  now(): number {
    return performance.now() - this.t0 + this.skewMs;
  }

  /** Moves the machine's clock forward without waiting (the clock stays monotonic). */
  advanceClock(ms: number): void {
    this.skewMs += ms;
  }

  diagnostics(): string {
    return this.options.diagnostics ?? '';
  }

  end(reason: string, _graceMs?: number): Promise<MachineEnd> {
    this.shutdowns.push(reason);
    this.stopping ??= (async () => {
      // QEMU gets SIGTERM; the fake just stops.
      this.exit({ clean: false, detail: 'fake killed by SIGTERM' });
      const result = await this.exited;
      this.console.log.close();
      return result;
    })();
    return this.stopping;
  }

  /** True once the machine is gone (exited by itself or shut down). */
  get isGone(): boolean {
    return this.gone;
  }

  // --- the machine ---------------------------------------------------------------------------

  private later(ms: number, fn: () => void): void {
    if (this.gone) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.gone) fn();
    }, ms);
    this.timers.add(timer);
  }

  private get latency(): number {
    return this.options.latencyMs ?? 1;
  }

  private exit(result: Omit<MachineEnd, 'atMs'>): void {
    if (this.gone) return;
    this.gone = true;
    this.halted = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.resolveExited({ atMs: this.now(), ...result });
  }

  private deliver(out: Fanout, bytes: string | Buffer): void {
    if (this.gone) return;
    const data = Buffer.from(bytes);
    const size = this.options.chunkBytes ?? data.length;
    for (let at = 0; at < data.length; at += Math.max(1, size)) {
      out.emit(data.subarray(at, at + Math.max(1, size)), this.now());
    }
  }

  private toConsole(bytes: string | Buffer): void {
    if (this.gone) return;
    const data = Buffer.from(bytes);
    if (data.length === 0) return;
    const size = Math.max(1, this.options.chunkBytes ?? data.length);
    for (let at = 0; at < data.length; at += size) {
      const chunk = data.subarray(at, at + size);
      const atMs = this.now();
      // As the QEMU platform does: the log first, then the listeners.
      this.console.log.push(chunk, atMs);
      this.consoleOut.emit(chunk, atMs);
    }
  }

  private printk(text: string): void {
    // The guest's uptime: the boot lines end near 1.2 s.
    this.toConsole(`${printkTime(1.3 + this.now() / 1000)} ${text}\r\n`);
  }

  private boot(): void {
    const lines = [...BOOT_LINES];
    if (this.options.readyMarker ?? true) lines.push('harness-init: ready');
    let delay = this.latency;
    for (const line of lines) {
      this.later(delay, () => this.toConsole(`${line}\r\n`));
      delay += 2;
    }
    this.later(delay, () => {
      this.shell = 'running';
      this.toConsole(this.prompt);
      this.resolveShell();
      const typed = this.pendingInput.splice(0);
      for (const text of typed) this.shellInput(text);
    });
  }

  private hostWrote(stream: 'console' | 'channel', data: string | Buffer): Promise<void> {
    const text = Buffer.from(data).toString('utf8');
    (stream === 'console' ? this.typedOnConsole : this.typedOnChannel).push(text);
    // A guest that is gone reads nothing; the write itself still succeeds, as it may on a socket.
    this.later(this.latency, () => {
      if (this.halted) return;
      if (stream === 'channel') {
        if (this.agentOn === 'channel') this.agentInput(text);
        return;
      }
      if (this.shell === 'booting') this.pendingInput.push(text);
      else if (this.shell === 'running') this.shellInput(text);
      else if (this.agentOn === 'console') this.agentInput(text);
    });
    return Promise.resolve();
  }

  // --- the console shell -----------------------------------------------------------------------

  private shellInput(text: string): void {
    for (const line of this.consoleLines.push(text)) {
      if (this.shell !== 'running' || this.halted) {
        // `exec` replaced the shell: the rest of what was typed belongs to the agent, its nonce first.
        if (this.awaitingNonce) this.receiveNonce(line);
        else if (this.agentOn === 'console') this.agentInput(`${line}\n`);
        continue;
      }
      // The tty echoes a typed line (ONLCR turns its newline into CRLF) before the shell reads it.
      if (this.echo) this.toConsole(`${line}\r\n`);
      this.shellLine(line);
      if (this.shell === 'running' && !this.heredoc) this.toConsole(this.prompt);
    }
  }

  private shellLine(line: string): void {
    if (this.heredoc) {
      if (line === this.heredoc.end) {
        this.files.set(this.heredoc.path, this.heredoc.lines.map((l) => `${l}\n`).join(''));
        this.heredoc = undefined;
      } else {
        this.heredoc.lines.push(line);
      }
      return;
    }
    const start = HEREDOC_START.exec(line);
    if (start) {
      this.heredoc = { path: start[1]!, end: start[2]!, lines: [] };
      return;
    }
    for (const command of line.split(';').map((c) => c.trim()).filter(Boolean)) {
      this.shellCommand(command);
      if (this.shell !== 'running') return;
    }
  }

  private shellCommand(command: string): void {
    const words = command.split(/\s+/);
    const unquoted = (word: string) => word.replace(/"/g, '');
    switch (words[0]) {
      case 'stty':
        if (words.includes('-echo')) this.echo = false;
        return;
      case 'dmesg':
        return;
      case 'echo':
        this.toConsole(`${words.slice(1).map(unquoted).join(' ')}\r\n`);
        return;
      case 'exec': {
        const match = AGENT_LINE.exec(command);
        if (match) {
          this.shell = 'replaced';
          this.agentArgs = command.split(' ').slice(3).join(' ');
          this.awaitingNonce = { path: match[1]!, want: match[2]! };
          return;
        }
        break;
      }
      default:
        if (words.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) {
          for (const w of words) if (w.startsWith('PS1=')) this.prompt = w.slice(4);
          return;
        }
    }
    this.toConsole(`sh: ${words[0]}: not found\r\n`);
  }

  // --- the agent -------------------------------------------------------------------------------

  private receiveNonce(line: string): void {
    const { path, want } = this.awaitingNonce!;
    this.awaitingNonce = undefined;
    this.startAgent(path, line.trim(), want);
  }

  private startAgent(path: string, nonce: string, want: string): void {
    const received = this.files.get(path);
    if (received === undefined) {
      this.toConsole(`sh: can't open '${path}': No such file or directory\r\n`);
      return;
    }
    this.nonce = nonce;
    this.agentOn = want !== 'console' && this.channelStream && !this.options.portMissing ? 'channel' : 'console';
    if (this.options.silentAgent) return;
    let text = received;
    if (this.options.damageAgent) {
      const i = Math.floor(text.length / 2);
      text = text.slice(0, i) + (text[i] === 'x' ? 'y' : 'x') + text.slice(i + 1);
    }
    const digest = crc32(text).toString(16).padStart(8, '0');
    const channel = this.agentOn === 'channel' ? CHANNEL_DEVICE : 'console';
    this.later(this.latency, () =>
      this.frame(
        'hello',
        `agent=${digest}\nruntime=${this.options.runtime ?? 'fake'}\nkernel=${KERNEL_VERSION}\narch=x86_64\nchannel=${channel}\nuserns=1\nisolation=full`,
      ),
    );
  }

  private frame(kind: FrameKind, payload: string | Buffer = ''): void {
    if (this.halted || this.hung || this.nonce === undefined || this.agentOn === undefined) return;
    const via = this.agentOn;
    const data = Buffer.from(payload);
    const seq = this.seq++;
    let line = encodeFrame(this.nonce, seq, kind, data);
    let fate: FakeFrame['fate'] = 'sent';
    if (this.dropNextFrame) {
      this.dropNextFrame = false;
      fate = 'dropped';
    } else if (this.corruptNextFrame) {
      this.corruptNextFrame = false;
      line = damage(line);
      fate = 'corrupted';
    }
    this.frames.push({ seq, kind, payload: data, via, fate });
    if (fate === 'dropped') return;
    // A tty's ONLCR turns the agent's newline into CRLF; the virtio port passes bytes unchanged.
    if (via === 'console') this.toConsole(line.replace(/\n$/, '\r\n'));
    else this.deliver(this.channelOut, line);
  }

  private agentInput(text: string): void {
    for (const line of this.agentLines.push(text)) {
      this.agentQueue = this.agentQueue.then(() => this.agentCommand(line));
    }
  }

  private async agentCommand(line: string): Promise<void> {
    if (this.halted || this.hung) return;
    const [command, a1 = '', a2 = '', a3 = '', a4 = ''] = line.trim().split(/\s+/);
    if (command === 'run') {
      await this.runCase(Number(a1), a2, a3, Number(a4));
    } else if (command === 'bye') {
      this.frame('bye');
      this.printk('reboot: Power down');
      this.halted = true;
      this.later(this.latency, () => this.exit({ clean: true, detail: 'fake powered off' }));
    }
  }

  private async runCase(unit: number, caseId: string, container: string, timeoutSecs: number): Promise<void> {
    this.runs.push({ unit, caseId, container, timeoutSecs });
    this.frame('case-begin', this.options.beginAs?.(unit, caseId, container) ?? `${unit} ${caseId} ${container}`);
    let ended = false;
    const never = () => new Promise<never>(() => {});
    const ctx: FakeCaseContext = {
      caseId,
      container,
      timeoutSecs,
      stdout: (data) => this.frame('stdout', data),
      stderr: (data) => this.frame('stderr', data),
      error: (message) => this.frame('error', message),
      exit: (code) => {
        ended = true;
        this.frame('exit', `${this.options.exitUnit?.(unit) ?? unit} ${code}`);
      },
      printk: (text) => {
        if (!this.halted) this.printk(text);
      },
      rawConsole: (bytes) => {
        if (!this.halted) this.toConsole(bytes);
      },
      corruptNext: () => {
        this.corruptNextFrame = true;
      },
      skipSeq: () => {
        this.dropNextFrame = true;
      },
      panic: () => {
        if (!this.halted) {
          this.printk('Kernel panic - not syncing: fake');
          this.printk(`CPU: 0 PID: 1 Comm: sh Not tainted ${KERNEL_VERSION} #1`);
          this.printk('---[ end Kernel panic - not syncing: fake ]---');
          this.halted = true;
          // QEMU with -no-reboot exits 0 after a guest panic.
          this.later(this.latency, () => this.exit({ clean: true, detail: 'fake exited 0 after a panic' }));
        }
        return never();
      },
      die: () => {
        this.halted = true;
        this.later(this.latency, () => this.exit({ clean: false, detail: 'fake killed by SIGKILL' }));
        return never();
      },
      hang: () => {
        this.hung = true;
        return never();
      },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
    const script = this.options.cases?.[`${caseId}/${container}`] ?? this.options.cases?.[caseId];
    if (!script) {
      ctx.error(`the fake guest has no script for ${caseId}/${container}`);
      ctx.exit(125);
      return;
    }
    await script(ctx);
    if (!ended) ctx.exit(0);
  }
}
