import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { FrameDecoder, type Frame, type FrameEvent } from '../console/frames.js';
import { BootError, InfraError, TimeoutError } from '../model/errors.js';
import type { BootWatch } from '../boot/boot-watch.js';
import type { ByteStream, Machine } from '../../platforms/platform.js';
import { describeExit } from '../boot/exit-reason.js';
import { FrameInbox } from './inbox.js';
import { settlesWithin } from '../lifecycle/deadline.js';

const AGENT_TEXT = readFileSync(new URL('./agent.sh', import.meta.url), 'utf8').replace(/\n*$/, '\n');
const AGENT_DIGEST = crc32(AGENT_TEXT).toString(16).padStart(8, '0');
const AGENT_PATH = '/tmp/harness-agent.sh';
const HEREDOC_END = 'HARNESS_AGENT_EOF';

export interface AgentHello {
  runtime: string;
  kernel: string;
  arch: string;
  channel: string;
}

export interface UnitSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface UnitOutcome {
  exit: number | 'timeout';
  durationMs: number;
  /** Messages the agent sent while setting the container up. */
  agentErrors: string[];
}

export interface LinkTimeouts {
  /** Spawn to the first console byte: nothing at all means QEMU or the firmware never ran. */
  firstByteMs: number;
  /** Spawn to the shell being ready. */
  readyMs: number;
  agentMs: number;
  /** Added to a case's own timeout before the host stops waiting for the agent's verdict. */
  caseGraceMs: number;
  shutdownMs: number;
}

/**
 * The host side of docs/protocol.md: bootstraps the agent over the console, then drives it over the
 * dedicated channel (or the console when the image has none) one container at a time.
 */
export class AgentLink {
  private constructor(
    private readonly machine: Machine,
    private readonly inbox: FrameInbox,
    private readonly commands: ByteStream,
    readonly hello: AgentHello,
    private readonly timeouts: LinkTimeouts,
    private readonly expectExit: () => void,
  ) {}

  static async connect(machine: Machine, watch: BootWatch, timeouts: LinkTimeouts): Promise<AgentLink> {
    const nonce = randomBytes(8).toString('hex');
    const inbox = new FrameInbox();
    let exitExpected = false;
    watch.onDeath((error) => inbox.fail(error));
    void machine.exited.then((result) => {
      if (!exitExpected) inbox.fail(result.failure ?? new BootError(`the guest stopped unexpectedly (${describeExit(result)})`, { machine: machine.id }));
    });

    // Frames may come on either stream: the agent falls back to the console when the port is missing.
    let source: 'console' | 'channel' | undefined;
    const listen = (stream: ByteStream, name: 'console' | 'channel') => {
      const decoder = new FrameDecoder(nonce);
      stream.onData((chunk) => {
        for (const event of decoder.push(chunk)) deliver(event, name);
      });
    };
    const deliver = (event: FrameEvent, name: 'console' | 'channel') => {
      if (event.type === 'noise') return;
      source ??= name;
      if (source !== name) {
        // The agent only writes to the console after its channel failed under it.
        inbox.fail(new InfraError('the agent lost its channel and fell back to the console', { machine: machine.id }));
        return;
      }
      if (event.type === 'frame') inbox.put(event.frame);
      else inbox.fail(new InfraError(`agent channel ${event.reason} error (expected seq ${event.expectedSeq}): ${event.line.slice(0, 120)}`, { machine: machine.id }));
    };
    listen(machine.console, 'console');
    const channel = machine.channel();
    if (channel) listen(channel, 'channel');

    await watch.ready(machine.console, timeouts.readyMs);
    await bootstrapShell(machine, watch, timeouts.agentMs);
    await machine.console.write(`cat > ${AGENT_PATH} <<'${HEREDOC_END}'\n${AGENT_TEXT}${HEREDOC_END}\n`);
    // The nonce is typed split by quotes, so an echo of this line can never read as a frame.
    const typedNonce = `"${nonce.slice(0, 8)}""${nonce.slice(8)}"`;
    await machine.console.write(`exec sh ${AGENT_PATH} ${typedNonce} ${channel ? channel.guestPort : 'console'}\n`);

    const first = await inbox.take(timeouts.agentMs, () => new BootError(`the agent did not say hello within ${timeouts.agentMs} ms`, { machine: machine.id, phase: 'agent' }));
    if (first.kind !== 'hello') throw new InfraError(`the agent's first frame was ${first.kind}, not hello`, { machine: machine.id });
    const fields = keyValues(first.payload);
    if (fields.agent !== AGENT_DIGEST) {
      throw new InfraError(`the agent arrived damaged over the console (crc32 ${fields.agent}, sent ${AGENT_DIGEST})`, { machine: machine.id, phase: 'agent' });
    }
    const commands = source === 'channel' && channel ? channel : machine.console;
    const hello: AgentHello = {
      runtime: fields.runtime ?? 'unknown',
      kernel: fields.kernel ?? 'unknown',
      arch: fields.arch ?? 'unknown',
      channel: fields.channel ?? 'unknown',
    };
    return new AgentLink(machine, inbox, commands, hello, timeouts, () => {
      exitExpected = true;
    });
  }

  /** Runs one container of a case; its output goes to `sink` as it arrives. */
  async run(caseId: string, container: string, timeoutMs: number, sink: UnitSink): Promise<UnitOutcome> {
    const started = this.machine.now();
    await this.commands.write(`run ${caseId} ${container} ${Math.ceil(timeoutMs / 1000)}\n`);
    const deadline = started + timeoutMs + this.timeouts.caseGraceMs;
    const agentErrors: string[] = [];
    const begin = await this.next(deadline, `case ${caseId} to start`);
    if (begin.kind !== 'case-begin') throw new InfraError(`expected case-begin for ${caseId}, got ${begin.kind}`, { machine: this.machine.id });
    for (;;) {
      const frame = await this.next(deadline, `case ${caseId}/${container} to finish`);
      switch (frame.kind) {
        case 'stdout':
          sink.stdout(frame.payload);
          break;
        case 'stderr':
          sink.stderr(frame.payload);
          break;
        case 'error':
          agentErrors.push(frame.payload.toString('utf8'));
          break;
        case 'metric':
          // Measurements the agent may add later; a case's verdict never depends on them.
          break;
        case 'exit': {
          const text = frame.payload.toString('utf8').trim();
          return {
            exit: text === 'timeout' ? 'timeout' : Number.parseInt(text, 10),
            durationMs: this.machine.now() - started,
            agentErrors,
          };
        }
        default:
          throw new InfraError(`unexpected ${frame.kind} frame during case ${caseId}`, { machine: this.machine.id });
      }
    }
  }

  /** Asks the agent to power the guest off and waits for the machine to stop. */
  async bye(): Promise<void> {
    this.expectExit();
    await this.commands.write('bye\n');
    const deadline = this.machine.now() + this.timeouts.shutdownMs;
    const frame = await this.next(deadline, 'the agent to say bye');
    if (frame.kind !== 'bye') throw new InfraError(`expected bye, got ${frame.kind}`, { machine: this.machine.id });
    const stopped = await settlesWithin(this.machine.exited, deadline - this.machine.now());
    if (!stopped) throw new TimeoutError(`the guest did not power off within ${this.timeouts.shutdownMs} ms`, { machine: this.machine.id, phase: 'shutdown' });
  }

  private next(deadline: number, what: string): Promise<Frame> {
    const wait = Math.max(0, deadline - this.machine.now());
    return this.inbox.take(wait, () => new TimeoutError(`timed out waiting for ${what}`, { machine: this.machine.id }));
  }
}

/**
 * Turns echo off before anything else is typed: an echoed line holding the nonce would otherwise show
 * up on the console as a malformed frame. The marker is split by quotes so its echo never matches.
 */
async function bootstrapShell(machine: Machine, watch: BootWatch, timeoutMs: number): Promise<void> {
  const seen = watch.waitForLine((line) => line.includes('harness-bootstrapped'), timeoutMs, 'the console shell to accept commands');
  // Empty prompts keep the heredoc that follows from filling the console log with "> ".
  await machine.console.write('stty -echo; dmesg -n 1; PS1= PS2=; echo harness-""bootstrapped\n');
  await seen;
}

function keyValues(payload: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of payload.toString('utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}
