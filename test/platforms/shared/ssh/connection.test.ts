import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { InfraError, UsageError } from '../../../../harness/model/errors.js';
import { SshConnection } from '../../../../platforms/shared/ssh/connection.js';
import { fingerprintOf } from '../../../../platforms/shared/ssh/host-keys.js';
import { makeKey } from './keys.js';
import { closedPort, connected, optionsFor, startProxy, startServer, tempDir } from './test-server.js';

const hasSshAgent = spawnSync('ssh-agent', ['-?']).error === undefined && spawnSync('ssh-add', ['-?']).error === undefined;

async function refusal(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfraError);
  return error as InfraError;
}

describe('SshConnection.connect', () => {
  it('logs in when the host key is the known one, and says which key it was', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const connection = await connected(optionsFor(server, clientKey));
    expect(connection.endpoint).toEqual({ user: 'root', host: '127.0.0.1', port: server.port });
    expect(connection.hostKey).toEqual({ type: 'ssh-ed25519', fingerprint: fingerprintOf(server.hostKey.blob) });
  });

  it('refuses a wrong host key with both fingerprints, before offering a signature, and does not retry', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const options = optionsFor({ port: server.port, hostKey: makeKey() }, clientKey);
    const expectedFile = options.hostKeys.kind === 'known-hosts' ? options.hostKeys.files[0] : '';
    const error = await refusal(SshConnection.connect({ ...options, attempts: 3, retryDelayMs: 10 }));
    expect(error.message).toMatch(new RegExp(`^host key mismatch for root@127\\.0\\.0\\.1:${server.port}: `));
    expect(error.message).toContain(`presented ssh-ed25519 ${fingerprintOf(server.hostKey.blob)}`);
    expect(error.message).toMatch(/expected ssh-ed25519 SHA256:\S+ \(.*known_hosts:1\)/);
    expect(error.message).toContain(`${expectedFile}:1`);
    expect(server.connections).toBe(1);
    expect(server.signedLogins).toBe(0);
  });

  it('refuses an unknown host, saying how to trust it', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const options = optionsFor(server, clientKey);
    const empty = join(tempDir(), 'known_hosts');
    writeFileSync(empty, '');
    const error = await refusal(SshConnection.connect({ ...options, hostKeys: { kind: 'known-hosts', files: [empty] } }));
    expect(error.message).toContain(`unknown host key for root@127.0.0.1:${server.port}`);
    expect(error.message).toContain(`--host-key ${fingerprintOf(server.hostKey.blob)}, or --trust-on-first-use`);
  });

  it('accepts a pinned fingerprint', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const options = { ...optionsFor(server, clientKey), hostKeys: { kind: 'pinned' as const, fingerprints: [fingerprintOf(server.hostKey.blob)] } };
    expect((await connected(options)).hostKey.fingerprint).toBe(fingerprintOf(server.hostKey.blob));
  });

  it('trusts on first use once, recording the key, then refuses another key on the same host and port', async () => {
    const clientKey = makeKey();
    const first = await startServer(clientKey);
    const second = await startServer(clientKey);
    const proxy = await startProxy(first.port);
    const file = join(tempDir(), 'harness', 'known_hosts');
    const options = { ...optionsFor({ port: proxy.port, hostKey: first.hostKey }, clientKey), hostKeys: { kind: 'tofu' as const, file } };
    const learned = await connected(options);
    expect(learned.hostKey).toEqual({ type: 'ssh-ed25519', fingerprint: fingerprintOf(first.hostKey.blob), learned: true });
    expect(readFileSync(file, 'utf8')).toContain(`[127.0.0.1]:${proxy.port} ssh-ed25519 `);
    expect((await connected(options)).hostKey.learned).toBeUndefined();

    proxy.target = second.port;
    const error = await refusal(SshConnection.connect(options));
    expect(error.message).toContain(`presented ssh-ed25519 ${fingerprintOf(second.hostKey.blob)}, expected ssh-ed25519 ${fingerprintOf(first.hostKey.blob)} (${file}:1)`);
  });

  it('reports a failed login naming user and host, without retrying', async () => {
    const server = await startServer(makeKey());
    const options = optionsFor(server, makeKey());
    const failures: number[] = [];
    const error = await refusal(
      SshConnection.connect({ ...options, attempts: 4, retryDelayMs: 10, onAttemptFailed: ({ attempt, willRetry }) => failures.push(willRetry ? attempt : -attempt) }),
    );
    expect(error.message).toMatch(new RegExp(`^authentication failed for root@127\\.0\\.0\\.1:${server.port}: publickey rejected \\(offered key .*id_ed25519\\)$`));
    expect(server.connections).toBe(1);
    expect(failures).toEqual([-1]);
  });

  it('retries a refused connection a bounded number of times, then fails', async () => {
    const port = await closedPort();
    const options = optionsFor({ port, hostKey: makeKey() }, makeKey());
    const failures: { attempt: number; willRetry: boolean; message: string }[] = [];
    const started = performance.now();
    const error = await refusal(
      SshConnection.connect({ ...options, attempts: 3, retryDelayMs: 20, onAttemptFailed: ({ attempt, willRetry, error }) => failures.push({ attempt, willRetry, message: error.message }) }),
    );
    expect(error.message).toBe(`connection refused by root@127.0.0.1:${port} (ECONNREFUSED) (gave up after 3 attempts)`);
    expect(failures.map((f) => [f.attempt, f.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    // Backoff: 20 ms, then 40 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('retries a server that accepts but never speaks SSH, each attempt bounded by readyTimeoutMs', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    onTestFinished(() => {
      held.forEach((s) => s.destroy());
      silent.close();
    });
    const { port } = silent.address() as AddressInfo;
    const options = optionsFor({ port, hostKey: makeKey() }, makeKey());
    const error = await refusal(SshConnection.connect({ ...options, attempts: 2, retryDelayMs: 10, readyTimeoutMs: 200 }));
    expect(error.message).toBe(`no SSH login to root@127.0.0.1:${port} within 200 ms (gave up after 2 attempts)`);
    expect(held).toHaveLength(2);
  });

  it('stops retrying when aborted', async () => {
    const port = await closedPort();
    const abort = new AbortController();
    const options = optionsFor({ port, hostKey: makeKey() }, makeKey());
    const pending = SshConnection.connect({ ...options, attempts: 50, retryDelayMs: 50, signal: abort.signal, onAttemptFailed: () => abort.abort() });
    expect((await refusal(pending)).message).toBe(`connecting to root@127.0.0.1:${port} was aborted`);
  });

  it('retries a port that accepts and drops connections, as a forwarded port does before sshd is up', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const proxy = await startProxy(await closedPort());
    let failures = 0;
    await connected({
      ...optionsFor({ port: proxy.port, hostKey: server.hostKey }, clientKey),
      attempts: 10,
      retryDelayMs: 20,
      onAttemptFailed: ({ error }) => {
        failures++;
        expect(error.message).toMatch(/closed the connection|reset/);
        proxy.target = server.port;
      },
    });
    expect(failures).toBeGreaterThanOrEqual(1);
  });

  it('wants a key file or an agent, and reads the key before connecting', async () => {
    const options = optionsFor({ port: await closedPort(), hostKey: makeKey() }, makeKey());
    await expect(SshConnection.connect({ ...options, auth: {} })).rejects.toThrow(UsageError);
    await expect(SshConnection.connect({ ...options, auth: { identity: '/nonexistent/id' } })).rejects.toThrow('/nonexistent/id: cannot read the SSH private key');
  });

  it('logs in with an encrypted key when HARNESS_SSH_PASSPHRASE is set', async () => {
    const clientKey = makeKey({ passphrase: 'correct horse' });
    const server = await startServer(clientKey);
    const options = optionsFor(server, clientKey);
    await expect(SshConnection.connect(options)).rejects.toThrow('set HARNESS_SSH_PASSPHRASE');
    vi.stubEnv('HARNESS_SSH_PASSPHRASE', 'correct horse');
    try {
      expect((await connected(options)).hostKey.type).toBe('ssh-ed25519');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.skipIf(!hasSshAgent)('logs in with a key held by an ssh-agent', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const options = optionsFor(server, clientKey);
    const socket = join(tempDir(), 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    onTestFinished(() => {
      agent.kill();
    });
    await expect.poll(() => existsSync(socket)).toBe(true);
    execFileSync('ssh-add', [options.auth.identity!], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    const connection = await connected({ ...options, auth: { agent: socket } });
    expect(await connection.run(['true'])).toMatchObject({ code: 0 });
  });

  it('hangs up even when the server never answers the goodbye', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    const proxy = await startProxy(server.port);
    const connection = await connected(optionsFor({ port: proxy.port, hostKey: server.hostKey }, clientKey));
    proxy.freeze();
    const started = performance.now();
    connection.close();
    expect(await connection.closed).toEqual({ reason: 'closed by the harness' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
