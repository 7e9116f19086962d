import { describe, expect, it } from 'vitest';
import { InfraError } from '../../../../harness/model/errors.js';
import { makeKey } from './keys.js';
import { connected, optionsFor, startProxy, startServer } from './test-server.js';

describe('keepalive', () => {
  it('ends the connection and any command on it when the server stops answering', async () => {
    const clientKey = makeKey();
    const server = await startServer(clientKey);
    server.exec = (_command, stream) => stream.write('started\n');
    const proxy = await startProxy(server.port);
    const keepaliveIntervalMs = 200;
    const keepaliveCountMax = 2;
    const connection = await connected({ ...optionsFor({ port: proxy.port, hostKey: server.hostKey }, clientKey), keepaliveIntervalMs, keepaliveCountMax });
    const session = await connection.exec(['sleep', 'forever']);
    await new Promise<void>((resolve) => session.onData(() => resolve()));

    proxy.freeze();
    const frozenAt = performance.now();
    const closed = await connection.closed;
    const tookMs = performance.now() - frozenAt;

    expect(tookMs).toBeLessThan(keepaliveIntervalMs * (keepaliveCountMax + 1) + 500);
    // A ping already in flight when the proxy froze counts, so the floor is one interval short.
    expect(tookMs).toBeGreaterThanOrEqual(keepaliveIntervalMs * (keepaliveCountMax - 1));
    expect(closed.error).toBeInstanceOf(InfraError);
    expect(closed.reason).toBe(`connection to root@127.0.0.1:${proxy.port} lost: no answer to keepalives for 600 ms`);
    expect(await session.closed).toEqual({ code: null });
  });
});
