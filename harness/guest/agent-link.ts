import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { FrameDecoder, type Frame, type FrameEvent } from '../console/frames.js';
import { BootError, InfraError, TimeoutError } from '../model/errors.js';
import type { BootWatch } from '../boot/boot-watch.js';
import type { ByteStream, Console, ExecSession, Machine } from '../../platforms/platform.js';
import { FrameInbox } from './inbox.js';
import { settlesWithin } from '../lifecycle/deadline.js';
import { bootstrapShell, consoleLogin } from './bootstrap-shell.js';
import { uploadFramed, type UploadTuning } from './framed-upload.js';
import { PAYLOAD_TAR, payloadTar } from './payload-tar.js';
import type { PayloadFile } from '../../platforms/platform.js';
import type { Runtime } from '../model/types.js';

export const AGENT_TEXT = readFileSync(new URL('./agent.sh', import.meta.url), 'utf8').replace(/\n*$/, '\n');
const crcHex = (data: string | Buffer) => crc32(data).toString(16).padStart(8, '0');
const AGENT_DIGEST = crcHex(AGENT_TEXT);
const AGENT_PATH = '/tmp/harness-agent.sh';
const HEREDOC_END = 'HARNESS_AGENT_EOF';

export interface AgentHello {
  /** Which agent runs the cases: agent.sh itself, or the compiled agent it handed over to. */
  agent: 'sh' | 'agentd';
  runtime: string;
  kernel: string;
  arch: string;
  channel: string;
  /** `full`, or `reduced` where the runtime cannot drop what the default profile drops (docs/security.md). */
  isolation: 'full' | 'reduced';
  /** Whether containers get a user namespace (root in a case is uid 100000 outside). */
  userns: boolean;
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
  /** Start to the first console byte: nothing at all means the machine or its firmware never ran. */
  firstByteMs: number;
  /** Start to the shell being ready. */
  readyMs: number;
  agentMs: number;
  /** Added to a case's own timeout before the host stops waiting for the agent's verdict. */
  caseGraceMs: number;
  shutdownMs: number;
}

/** The agent's arguments: where things are on this target, how frames travel, what `bye` does. Never the nonce. */
function agentArgs(machine: Machine, chan: string): string[] {
  const { layout } = machine;
  // The agent knows poweroff and exit; halting is powering off without the host waiting for it.
  return [`chan=${chan}`, `bye=${machine.onBye === 'exit' ? 'exit' : 'poweroff'}`, `state=${layout.state}`, `payload=${layout.payload}`, `containers=${layout.containers}`, ...(layout.applets ? [`applets=${layout.applets}`] : [])];
}

/** The host's words come in before the agent's: an argument with a space would split in the guest. */
function checkArgs(args: string[]): void {
  const bad = args.find((a) => !/^[a-z]+=[A-Za-z0-9_./:@-]+$/.test(a));
  if (bad) throw new InfraError(`agent argument ${JSON.stringify(bad)} has characters the guest shell would split`);
}

/**
 * The host side of docs/protocol.md: starts the agent (typed into a console shell, or exec'd over a
 * command channel), then drives it one container at a time. Every frame must belong to the unit the
 * host asked for: a `case-begin` or `exit` for any other is an infrastructure error, never a result.
 */
export class AgentLink {
  private unit = 0;

  private constructor(
    private readonly machine: Machine,
    private readonly inbox: FrameInbox,
    private readonly commands: ByteStream,
    readonly hello: AgentHello,
    private readonly timeouts: LinkTimeouts,
    private readonly expectEnd: () => void,
    /** An exec'd agent's channel closing: the session is over only once it has. */
    private readonly execClosed?: Promise<unknown>,
  ) {}

  /**
   * Types the agent into the console's shell; frames come on the machine's channel, or the console.
   * `agentd` is the compiled agent the payload carries, if any: the hello must name it exactly.
   * `placedAt`: where agent.sh is in the guest already, so only the command that runs it is typed;
   * its hello still names its CRC, so a copy that is not the host's is refused all the same.
   */
  static async typed(machine: Machine, console: Console, watch: BootWatch, timeouts: LinkTimeouts, agentd?: Buffer, placedAt?: string): Promise<AgentLink> {
    if (machine.agent.kind !== 'typed') throw new InfraError(`${machine.id}: the agent is not typed on this machine`);
    const channel = machine.agent.channel;
    const nonce = randomBytes(8).toString('hex');
    const inbox = new FrameInbox();
    let endExpected = false;
    watch.onDeath((error) => inbox.fail(error));
    void machine.exited.then((result) => {
      if (!endExpected) inbox.fail(result.failure ?? new BootError(`the guest stopped unexpectedly (${result.detail})`, { machine: machine.id }));
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
      deliverTo(inbox, event, machine.id);
    };
    listen(console, 'console');
    if (channel) listen(channel, 'channel');

    // A restored guest sits at the shell it was saved at: there is no boot, login or marker to wait for.
    if (machine.agent.login && !machine.resumed) await consoleLogin(console, machine.agent.login, timeouts.readyMs);
    if (!machine.resumed) await watch.ready(console, timeouts.readyMs);
    await bootstrapShell(console, watch, timeouts.agentMs, machine.resumed === true);
    const args = agentArgs(machine, channel ? channel.locator : 'console');
    checkArgs(args);
    if (placedAt !== undefined) checkArgs([`path=${placedAt}`]);
    else await console.write(`cat > ${AGENT_PATH} <<'${HEREDOC_END}'\n${AGENT_TEXT}${HEREDOC_END}\n`);
    // Echo is off, and the nonce goes on the agent's stdin, never on a command line.
    await console.write(`exec sh ${placedAt ?? AGENT_PATH} ${args.join(' ')}\n${nonce}\n`);
    const hello = await AgentLink.greet(inbox, machine, timeouts, agentd);
    const commands = source === 'channel' && channel ? channel : console;
    return new AgentLink(machine, inbox, commands, hello, timeouts, () => (endExpected = true));
  }

  /** Execs the agent over the machine's command channel; its stdin takes commands, its stdout carries frames. */
  static async exec(machine: Machine, timeouts: LinkTimeouts, agentd?: Buffer): Promise<AgentLink> {
    if (machine.agent.kind !== 'exec') throw new InfraError(`${machine.id}: the agent is not exec'd on this machine`);
    const nonce = randomBytes(8).toString('hex');
    const inbox = new FrameInbox();
    const args = agentArgs(machine, 'stdio');
    checkArgs(args);
    const session: ExecSession = await machine.agent.exec(Buffer.from(AGENT_TEXT), args);
    let endExpected = false;
    const decoder = new FrameDecoder(nonce);
    session.onData((chunk) => {
      for (const event of decoder.push(chunk)) if (event.type !== 'noise') deliverTo(inbox, event, machine.id);
    });
    void session.closed.then(({ code, signal }) => {
      if (endExpected) return;
      const how = signal ? `signal ${signal}` : `exit ${code ?? '?'}`;
      const stderr = session.stderr().trim().split('\n').pop();
      inbox.fail(new InfraError(`the agent's connection closed (${how})${stderr ? `: ${stderr}` : ''}`, { machine: machine.id }));
    });
    void machine.exited.then((result) => {
      if (!endExpected) inbox.fail(result.failure ?? new InfraError(`the connection was lost (${result.detail})`, { machine: machine.id }));
    });
    await session.write(`${nonce}\n`);
    const hello = await AgentLink.greet(inbox, machine, timeouts, agentd);
    return new AgentLink(machine, inbox, session, hello, timeouts, () => (endExpected = true), session.closed);
  }

  /**
   * The hello names what the host talks to: agent.sh by its CRC, and the compiled agent it handed
   * over to by that binary's. agent.sh keeps the cases itself where the compiled agent does not run,
   * so a hello without one is still an agent; one the host did not send is not.
   */
  private static async greet(inbox: FrameInbox, machine: Machine, timeouts: LinkTimeouts, agentd: Buffer | undefined): Promise<AgentHello> {
    const first = await inbox.take(timeouts.agentMs, () => new BootError(`the agent did not say hello within ${timeouts.agentMs} ms`, { machine: machine.id, phase: 'agent' }));
    if (first.kind !== 'hello') throw new InfraError(`the agent's first frame was ${first.kind}, not hello`, { machine: machine.id });
    const fields = keyValues(first.payload);
    if (fields.agent !== AGENT_DIGEST) {
      throw new InfraError(`the agent arrived damaged (crc32 ${fields.agent}, sent ${AGENT_DIGEST})`, { machine: machine.id, phase: 'agent' });
    }
    const sent = agentd && crcHex(agentd);
    if (fields.agentd !== undefined && fields.agentd !== sent) {
      const problem = sent ? `arrived damaged (crc32 ${fields.agentd}, sent ${sent})` : `(crc32 ${fields.agentd}) answered, but the host sent none`;
      throw new InfraError(`the compiled agent ${problem}`, { machine: machine.id, phase: 'agent' });
    }
    return {
      agent: fields.agentd === undefined ? 'sh' : 'agentd',
      runtime: fields.runtime ?? 'unknown',
      kernel: fields.kernel ?? 'unknown',
      arch: fields.arch ?? 'unknown',
      channel: fields.channel ?? 'unknown',
      isolation: fields.isolation === 'full' ? 'full' : 'reduced',
      userns: fields.userns === '1',
    };
  }

  /**
   * Runs one container of a case; its output goes to `sink` as it arrives. `runtime` is the one the
   * case names; without it the agent takes the best it has.
   */
  async run(caseId: string, container: string, timeoutMs: number, sink: UnitSink, runtime?: Runtime): Promise<UnitOutcome> {
    const unit = ++this.unit;
    const started = this.machine.now();
    await this.commands.write(`run ${unit} ${caseId} ${container} ${Math.ceil(timeoutMs / 1000)}${runtime ? ` ${runtime}` : ''}\n`);
    const deadline = started + timeoutMs + this.timeouts.caseGraceMs;
    const agentErrors: string[] = [];
    const begin = await this.next(deadline, `case ${caseId} to start`);
    const asked = `${unit} ${caseId} ${container}`;
    if (begin.kind !== 'case-begin') throw new InfraError(`expected case-begin for ${caseId}, got ${begin.kind}`, { machine: this.machine.id });
    const named = begin.payload.toString('utf8');
    if (named !== asked) throw new InfraError(`the agent began ${JSON.stringify(named)}, not the asked-for ${JSON.stringify(asked)}`, { machine: this.machine.id });
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
        case 'exit':
          return { exit: exitOf(frame, unit, this.machine.id), durationMs: this.machine.now() - started, agentErrors };
        default:
          throw new InfraError(`unexpected ${frame.kind} frame during case ${caseId}`, { machine: this.machine.id });
      }
    }
  }

  /** Puts files into the payload folder through the agent itself, chunk by checked chunk. */
  async put(files: PayloadFile[], tuning: UploadTuning): Promise<{ bytes: number; resends: number }> {
    if (!files.length) return { bytes: 0, resends: 0 };
    const archive: PayloadFile = { path: PAYLOAD_TAR, data: await payloadTar(files), mode: 0o600 };
    const deadline = this.machine.now() + this.timeouts.agentMs + archive.data.length / 1000;
    const sent = await uploadFramed([archive], this.commands, (what) => this.next(deadline, what), tuning, this.machine.id);
    await this.commands.write(`unpack ${PAYLOAD_TAR}\n`);
    const answer = await this.next(deadline, 'the case files to be unpacked');
    if (answer.kind !== 'ack' || answer.payload.toString('utf8') !== 'unpacked') {
      throw new InfraError(`the agent could not unpack the case files: ${answer.payload.toString('utf8').slice(0, 200)}`, { machine: this.machine.id });
    }
    return sent;
  }

  /** Asks the agent to end the session (power off, or exit and leave the host up) and waits for it. */
  async bye(): Promise<void> {
    this.expectEnd();
    await this.commands.write('bye\n');
    const deadline = this.machine.now() + this.timeouts.shutdownMs;
    const frame = await this.next(deadline, 'the agent to say bye');
    if (frame.kind !== 'bye') throw new InfraError(`expected bye, got ${frame.kind}`, { machine: this.machine.id });
    if (this.machine.onBye !== 'poweroff') {
      // Hanging up on a channel whose command still has output pending can kill the server's
      // side of the whole connection (dropbear 2022.83 asserts); the cleanup needs that connection.
      if (this.execClosed && !(await settlesWithin(this.execClosed, deadline - this.machine.now()))) {
        throw new TimeoutError(`the agent did not exit within ${this.timeouts.shutdownMs} ms of saying bye`, { machine: this.machine.id, phase: 'shutdown' });
      }
      return;
    }
    const stopped = await settlesWithin(this.machine.exited, deadline - this.machine.now());
    if (!stopped) throw new TimeoutError(`the guest did not power off within ${this.timeouts.shutdownMs} ms`, { machine: this.machine.id, phase: 'shutdown' });
  }

  private next(deadline: number, what: string): Promise<Frame> {
    const wait = Math.max(0, deadline - this.machine.now());
    return this.inbox.take(wait, () => new TimeoutError(`timed out waiting for ${what}`, { machine: this.machine.id }));
  }
}

function deliverTo(inbox: FrameInbox, event: Exclude<FrameEvent, { type: 'noise' }>, machine: string): void {
  if (event.type === 'frame') inbox.put(event.frame);
  else inbox.fail(new InfraError(`agent channel ${event.reason} error (expected seq ${event.expectedSeq}): ${event.line.slice(0, 120)}`, { machine }));
}

/** `<unit> <code>` or `<unit> timeout`: an exit for another unit than the running one is refused. */
function exitOf(frame: Frame, unit: number, machine: string): number | 'timeout' {
  const text = frame.payload.toString('utf8').trim();
  const match = /^(\d+) (timeout|\d{1,3})$/.exec(text);
  if (!match || Number(match[1]) !== unit) throw new InfraError(`exit frame ${JSON.stringify(text)} does not belong to unit ${unit}`, { machine });
  return match[2] === 'timeout' ? 'timeout' : Number(match[2]);
}

function keyValues(payload: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of payload.toString('utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}
