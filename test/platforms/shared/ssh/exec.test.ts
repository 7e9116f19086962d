import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ServerChannel } from 'ssh2';
import { InternalError } from '../../../../harness/model/errors.js';
import type { ExecSession } from '../../../../platforms/platform.js';
import { makeKey } from './keys.js';
import { connected, optionsFor, startServer, type ExecHandler } from './test-server.js';

async function setUp(exec: ExecHandler, now?: () => number) {
  const clientKey = makeKey();
  const server = await startServer(clientKey);
  server.exec = exec;
  const connection = await connected({ ...optionsFor(server, clientKey), now });
  return { server, connection };
}

/** Everything a session writes to stdout until it closes, and the order stdout and the end came in. */
async function drain(session: ExecSession): Promise<{ stdout: string; events: string[]; end: Awaited<ExecSession['closed']> }> {
  const events: string[] = [];
  let stdout = '';
  session.onData((chunk) => {
    stdout += chunk.toString();
    events.push('data');
  });
  const end = await session.closed;
  events.push('closed');
  return { stdout, events: events.filter((e, i) => e !== events[i - 1]), end };
}

const echoStdin: ExecHandler = (_command, stream) => {
  stream.on('data', (chunk: Buffer) => stream.write(chunk));
  stream.on('end', () => {
    stream.exit(0);
    stream.end();
  });
};

describe('SshConnection.exec', () => {
  it('quotes each word so the server receives one inert command line', async () => {
    const { server, connection } = await setUp((_c, stream) => {
      stream.exit(0);
      stream.end();
    });
    await (await connection.exec(['printf', '%s\n', "it's", 'a b', '$(reboot)', '`id`', ''])).closed;
    expect(server.commands).toEqual([`'printf' '%s\n' 'it'\\''s' 'a b' '$(reboot)' '\`id\`' ''`]);
  });

  it('refuses an empty argv', async () => {
    const { connection } = await setUp(() => {});
    await expect(connection.exec([])).rejects.toThrow(InternalError);
  });

  it('carries stdin to the command and its stdout back, stamped on the injected clock', async () => {
    const { connection } = await setUp((_c, stream) => stream.on('data', (chunk: Buffer) => stream.write(chunk.toString().toUpperCase())), () => 42);
    const session = await connection.exec(['cat']);
    const got: [string, number][] = [];
    const echoed = new Promise<void>((resolve) =>
      session.onData((chunk, atMs) => {
        got.push([chunk.toString(), atMs]);
        if (got.map(([s]) => s).join('') === 'HELLO') resolve();
      }),
    );
    await session.write('hel');
    await session.write(Buffer.from('lo'));
    await echoed;
    expect(got.every(([, atMs]) => atMs === 42)).toBe(true);
    session.close();
    await session.closed;
  });

  it.each([
    ['while the command still runs', 300],
    ['after the command ended', 0],
  ])('keeps stdout written before anyone listened, when listening starts %s', async (_when, exitAfterMs) => {
    const { connection } = await setUp((_c, stream) => {
      stream.write('early\n');
      setTimeout(() => {
        stream.write('late\n');
        stream.exit(0);
        stream.end();
      }, exitAfterMs);
    });
    const session = await connection.exec(['true']);
    await sleep(100);
    expect((await drain(session)).stdout).toBe('early\nlate\n');
  });

  it('ends with exit code 100 after all stdout, keeping stderr for the report', async () => {
    const { connection } = await setUp((_c, stream) => {
      stream.write('out\n');
      stream.stderr.write('warn: disk\n');
      stream.exit(100);
      stream.end();
    });
    const session = await connection.exec(['false']);
    const result = await drain(session);
    expect(result).toEqual({ stdout: 'out\n', events: ['data', 'closed'], end: { code: 100 } });
    expect(session.stderr()).toBe('warn: disk\n');
  });

  it('reports a signal by its SIG name', async () => {
    const { connection } = await setUp((_c, stream) => {
      stream.exit('KILL', false, 'killed');
      stream.end();
    });
    expect((await drain(await connection.exec(['sleep', '9']))).end).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('keeps only the last 16 KiB of stderr', async () => {
    const { connection } = await setUp((_c, stream) => {
      stream.stderr.write('x'.repeat(40_000) + 'END');
      stream.exit(1);
      stream.end();
    });
    const session = await connection.exec(['noisy']);
    await session.closed;
    expect(session.stderr()).toHaveLength(16 * 1024);
    expect(session.stderr().endsWith('xEND')).toBe(true);
  });

  it('resolves both the session and the connection when the server drops mid-command', async () => {
    let stream: ServerChannel | undefined;
    const { server, connection } = await setUp((_c, s) => {
      stream = s;
      s.write('partial');
    });
    const session = await connection.exec(['long-running']);
    const output = drain(session);
    await expect.poll(() => stream).toBeDefined();
    server.connectionsOpen[0]!.end();
    expect(await output).toEqual({ stdout: 'partial', events: ['data', 'closed'], end: { code: null } });
    expect((await connection.closed).reason).toBe(`root@127.0.0.1:${server.port} closed the connection`);
    await expect(session.write('late')).rejects.toThrow('is closed');
  });
});

describe('SshConnection.run', () => {
  it('feeds stdin, ends it, and returns bounded stdout with stderr and the exit code', async () => {
    const { connection } = await setUp(echoStdin);
    expect(await connection.run(['cat'], { stdin: 'ping' })).toEqual({ code: 0, stdout: 'ping', stderr: '' });
    expect(await connection.run(['cat'], { stdin: 'x'.repeat(5000), maxBytes: 100 })).toEqual({ code: 0, stdout: 'x'.repeat(100), stderr: '', truncated: true });
  });

  it('sends EOF at once when there is no stdin', async () => {
    const { connection } = await setUp(echoStdin);
    expect(await connection.run(['cat'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('SshConnection.close', () => {
  it('is idempotent and resolves closed once', async () => {
    const { connection } = await setUp(() => {});
    connection.close();
    connection.close();
    expect(await connection.closed).toEqual({ reason: 'closed by the harness' });
    await expect(connection.exec(['true'])).rejects.toThrow('cannot start "true" on root@127.0.0.1');
  });
});
