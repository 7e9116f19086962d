/**
 * The fake guest is only useful if it behaves like the real one where the host can tell, so these
 * drive it by hand, byte for byte, without AgentLink.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, type FrameEvent } from '../../../harness/console/frames.js';
import type { PhaseName } from '../../../harness/model/types.js';
import { FakeMachine, type FakeMachineOptions } from '../../support/fake-machine.js';
import { tempDir } from '../../support/fake-session.js';

const NONCE = '0123456789abcdef';
const AGENT = '# a stand-in agent\nNONCE=$1\n\techo "tabs and $quotes stay"\n';

async function machine(options: FakeMachineOptions = {}): Promise<FakeMachine> {
  return new FakeMachine({ outDir: await tempDir(), ...options });
}

/** Resolves with the first console line that passes `test`. */
function consoleLine(m: FakeMachine, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const off = m.console.log.onLine((line) => {
      if (test(line)) {
        off();
        resolve(line);
      }
    });
  });
}

function decoded(m: FakeMachine, stream: 'console' | 'channel'): FrameEvent[] {
  const decoder = new FrameDecoder(NONCE);
  const events: FrameEvent[] = [];
  (stream === 'console' ? m.console : m.agent.kind === 'typed' ? m.agent.channel! : m.console).onData((chunk) => events.push(...decoder.push(chunk)));
  return events;
}

/** Types what AgentLink types, up to the agent's start. */
async function startAgent(m: FakeMachine, want: string): Promise<void> {
  await consoleLine(m, (l) => l.includes('harness-init: ready'));
  const bootstrapped = consoleLine(m, (l) => l === 'harness-bootstrapped');
  await m.console.write('stty -echo; dmesg -n 1; PS1= PS2=; echo harness-""bootstrapped\n');
  await bootstrapped;
  await m.console.write(`cat > /tmp/harness-agent.sh <<'HARNESS_AGENT_EOF'\n${AGENT}HARNESS_AGENT_EOF\n`);
  await m.console.write(`exec sh /tmp/harness-agent.sh chan=${want} bye=poweroff state=/run/harness\n${NONCE}\n`);
}

async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('FakeMachine', () => {
  it('boots after the caller has subscribed, stamping spawn like the QEMU platform (the core stamps firstByte)', async () => {
    const phases: Array<[PhaseName, number]> = [];
    const m = await machine({ onPhase: (phase, atMs) => phases.push([phase, atMs]) });
    const lines: string[] = [];
    m.console.log.onLine((line) => lines.push(line));
    expect(phases).toEqual([['spawn', 0]]);
    await m.shellStarted;

    expect(lines[0]).toMatch(/^\[ {4}0\.000000\] Linux version 6\.1\.0/);
    expect(lines).toContain('[    1.200000] Run /init as init process');
    expect(lines.at(-1)).toBe('harness-init: ready');
    expect(phases.map(([p]) => p)).toEqual(['spawn']);
    const first = await new Promise<number>((resolve) => m.console.log.onFirstByte(resolve));
    expect(first).toBeGreaterThan(0);
    await m.end('test');
    expect(readFileSync(m.console.log.path, 'utf8')).toMatch(/harness-init: ready\r\n\/ # $/);
  });

  it('echoes typed lines until stty -echo, so a quoted marker never matches its own echo', async () => {
    const m = await machine({ readyMarker: false });
    const lines: string[] = [];
    m.console.log.onLine((line) => lines.push(line));
    await m.shellStarted;
    await m.console.write('echo harness-""probe\n');
    await consoleLine(m, (l) => l === 'harness-probe');
    await m.console.write('stty -echo; dmesg -n 1; PS1= PS2=; echo harness-""bootstrapped\n');
    await consoleLine(m, (l) => l === 'harness-bootstrapped');
    await m.console.write('echo typed-""blind\n');
    await consoleLine(m, (l) => l === 'typed-blind');

    expect(lines.slice(-5)).toEqual([
      '/ # echo harness-""probe',
      'harness-probe',
      '/ # stty -echo; dmesg -n 1; PS1= PS2=; echo harness-""bootstrapped',
      'harness-bootstrapped',
      'typed-blind',
    ]);
    await m.end('test');
  });

  it('says hello over the console, in CRLF frames, with the CRC of the agent text it received', async () => {
    const m = await machine();
    const events = decoded(m, 'console');
    const raw: Buffer[] = [];
    m.console.onData((chunk) => raw.push(chunk));
    await startAgent(m, 'console');
    await until(() => events.some((e) => e.type === 'frame'));

    const frames = events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind).toBe('hello');
    expect(frames[0]!.payload.toString()).toBe(
      `agent=${crc32(AGENT).toString(16).padStart(8, '0')}\nruntime=fake\nkernel=6.1.0\narch=x86_64\nchannel=console\nuserns=1\nisolation=full`,
    );
    expect(m.files.get('/tmp/harness-agent.sh')).toBe(AGENT);
    expect(Buffer.concat(raw).toString()).toMatch(new RegExp(`${NONCE} 0 hello \\S+ [0-9a-f]{8}\\r\\n$`));
    await m.end('test');
  });

  it('runs scripted cases on the channel, with LF frames, and reproduces damage and loss', async () => {
    const m = await machine({
      channel: true,
      cases: {
        one: (ctx) => {
          ctx.stdout('a');
          ctx.corruptNext();
          ctx.stdout('b');
          ctx.skipSeq();
          ctx.stdout('c');
          ctx.stdout('d');
        },
      },
    });
    const events = decoded(m, 'channel');
    const raw: Buffer[] = [];
    const channel = m.agent.kind === 'typed' ? m.agent.channel! : undefined;
    channel!.onData((chunk) => raw.push(chunk));
    await startAgent(m, 'virtio:harness.0');
    await until(() => events.length === 1);
    await channel!.write('run 1 one main 5\n');
    await until(() => m.frames.length === 7);

    expect(m.runs).toEqual([{ unit: 1, caseId: 'one', container: 'main', timeoutSecs: 5 }]);
    expect(events.map((e) => (e.type === 'frame' ? `${e.frame.kind} ${e.frame.payload.toString()}` : e.type === 'error' ? `error ${e.reason}` : 'noise'))).toEqual([
      expect.stringMatching(/^hello agent=/),
      'case-begin 1 one main',
      'stdout a',
      'error crc', // b, damaged
      'error gap', // c was lost: d comes with the wrong seq
      'exit 1 0', // a script that ends without exit exits 0
    ]);
    expect(m.frames.map((f) => f.fate)).toEqual(['sent', 'sent', 'sent', 'corrupted', 'dropped', 'sent', 'sent']);
    expect(Buffer.concat(raw).toString()).not.toContain('\r');
    await m.end('test');
  });

  it('shuts down once, whatever it is asked, and writes nothing to its closed log afterwards', async () => {
    const m = await machine({ channel: true });
    const first = m.end('one');
    const second = m.end('two');
    const [a, b] = await Promise.all([first, second]);

    expect(a).toBe(b);
    expect(a).toMatchObject({ clean: false, detail: 'fake killed by SIGTERM' });
    await expect(m.exited).resolves.toBe(a);
    expect(m.shutdowns).toEqual(['one', 'two']);
    // The boot script was still pending: it must not write to the closed log.
    await new Promise((resolve) => setTimeout(resolve, 40));
    await m.console.write('echo late\n');
    expect(readFileSync(m.console.log.path, 'utf8')).toBe('');
  });
});
