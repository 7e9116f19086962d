import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoardLock, expiry, leasePath, readLease } from '../../../platforms/board/lease/board-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-lease-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const holder = new URL('../../support/lease-holder.ts', import.meta.url).pathname;

function hold(board: string, ms: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir, board, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, done: once(child, 'close').then(() => out), output: () => out };
}

const times = (out: string) => ({ got: Number(/got (\d+)/.exec(out)?.[1]), release: Number(/release (\d+)/.exec(out)?.[1]) });

describe('board leases', () => {
  it('never let two processes hold one board at once', async () => {
    const [a, b, c] = [hold('b1', 700), hold('b1', 700), hold('b1', 700)];
    const spans = (await Promise.all([a.done, b.done, c.done])).map(times).sort((x, y) => x.got - y.got);
    for (const s of spans) expect(s.release).toBeGreaterThan(s.got);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.got).toBeGreaterThanOrEqual(spans[i - 1]!.release);
    expect(await readLease(dir, 'b1')).toBeUndefined();
  }, 30_000);

  it('expire when the holding process on this host is gone, so the next one takes the board at once', async () => {
    const dead = hold('b2', 60_000);
    while (!dead.output().includes('got')) await new Promise((r) => setTimeout(r, 20));
    dead.child.kill('SIGKILL');
    await dead.done;
    expect(expiry((await readLease(dir, 'b2'))!, Date.now(), 5000)).toMatch(/^pid \d+ on .* is gone$/);
    const started = Date.now();
    const next = times(await hold('b2', 10).done);
    expect(next.got - started).toBeLessThan(4000);
  }, 30_000);

  it('expire when the heartbeat is old, whoever holds them', async () => {
    const old = new Date(Date.now() - 120_000).toISOString();
    writeFileSync(leasePath(dir, 'b3'), JSON.stringify({ pid: 1, host: 'elsewhere', user: 'ci', since: old, heartbeat: old }));
    const lock = await BoardLock.acquire({ stateDir: dir, board: 'b3', expiryMs: 30_000, heartbeatMs: 50 }, new AbortController().signal);
    expect(JSON.parse(readFileSync(leasePath(dir, 'b3'), 'utf8')).pid).toBe(process.pid);
    // The heartbeat moves the record forward while it is held.
    const first = (await readLease(dir, 'b3'))!.heartbeat;
    await new Promise((r) => setTimeout(r, 200));
    expect((await readLease(dir, 'b3'))!.heartbeat > first).toBe(true);
    await lock.release();
    expect(await readLease(dir, 'b3')).toBeUndefined();
  });

  it('are waited for while alive, and the wait ends when the run is stopped', async () => {
    const lock = await BoardLock.acquire({ stateDir: dir, board: 'b4', expiryMs: 30_000, heartbeatMs: 1000 }, new AbortController().signal);
    const stop = new AbortController();
    const waiting = BoardLock.acquire({ stateDir: dir, board: 'b4', expiryMs: 30_000, heartbeatMs: 1000, pollMs: 20, self: { pid: process.pid, host: 'other-host', user: 'x' } }, stop.signal);
    setTimeout(() => stop.abort(new Error('SIGINT')), 150);
    await expect(waiting).rejects.toThrow(/stopped while waiting for its lease/);
    await lock.release();
  });
});
