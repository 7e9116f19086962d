import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '../../../harness/model/errors.js';
import { REAL_CLOCK } from '../serial/wire.js';

/** What a lease file says: who holds the board, since when, and when it last said it still does. */
export interface LeaseRecord {
  pid: number;
  host: string;
  user: string;
  since: string;
  heartbeat: string;
}

export interface LockOptions {
  stateDir: string;
  board: string;
  /** A heartbeat older than this ends the lease by itself. */
  expiryMs: number;
  heartbeatMs: number;
  /** Called when the lease was taken from us (our heartbeat stopped long enough for it to expire). */
  onLost?: (reason: string) => void;
  /** How often a waiting process looks again. */
  pollMs?: number;
  now?: () => number;
  self?: { pid: number; host: string; user: string };
}

export const leasePath = (stateDir: string, board: string) => join(stateDir, `${board}.lease`);

export async function readLease(stateDir: string, board: string): Promise<LeaseRecord | undefined> {
  try {
    return JSON.parse(await readFile(leasePath(stateDir, board), 'utf8')) as LeaseRecord;
  } catch {
    // Missing, or cut short by a crash between write and rename (we never write in place): no lease.
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a lease no longer holds, or undefined while it does. */
export function expiry(record: LeaseRecord, nowMs: number, expiryMs: number, host = hostname()): string | undefined {
  const age = nowMs - Date.parse(record.heartbeat);
  if (!(age <= expiryMs)) return `its heartbeat is ${Math.round(age / 1000)} s old`;
  if (record.host === host && !pidAlive(record.pid)) return `pid ${record.pid} on ${host} is gone`;
  return undefined;
}

const sameHolder = (a: LeaseRecord | undefined, b: LeaseRecord) => a !== undefined && a.pid === b.pid && a.host === b.host && a.since === b.since;

/** Breaking a stale lease is one process's job at a time; a breaker that died leaves this behind. */
const BREAK_LOCK_STALE_MS = 10_000;

/**
 * A board's lease as a file: created with link(2), which fails when the file exists, so two
 * processes never both hold it; refreshed by a heartbeat written to a temporary name and renamed
 * over it; broken only when expired (old heartbeat, or a holder on this host that is gone), under a
 * short mkdir(2) lock so two breakers cannot remove a lease a third process just took.
 */
export class BoardLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly options: LockOptions,
    readonly record: LeaseRecord,
  ) {}

  static async acquire(options: LockOptions, signal: AbortSignal, onWait?: (holder: LeaseRecord) => void): Promise<BoardLock> {
    const now = options.now ?? Date.now;
    const self = options.self ?? { pid: process.pid, host: hostname(), user: userInfo().username };
    await mkdir(options.stateDir, { recursive: true });
    const path = leasePath(options.stateDir, options.board);
    let told = false;
    for (;;) {
      if (signal.aborted) throw new InfraError(`${options.board}: stopped while waiting for its lease`, { cause: signal.reason });
      const stamp = new Date(now()).toISOString();
      const record: LeaseRecord = { ...self, since: stamp, heartbeat: stamp };
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(record));
      try {
        await link(tmp, path);
        const lock = new BoardLock(options, record);
        lock.beat();
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
      const holder = await readLease(options.stateDir, options.board);
      if (holder && expiry(holder, now(), options.expiryMs, self.host) !== undefined) {
        await breakStale(path, holder, options.stateDir, options.board);
        continue;
      }
      if (holder && !told) {
        told = true;
        onWait?.(holder);
      }
      await REAL_CLOCK.sleep(options.pollMs ?? 500, signal);
    }
  }

  /** Gives the board back; idempotent, never throws. Leaves a lease that is no longer ours alone. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    const current = await readLease(this.options.stateDir, this.options.board);
    if (sameHolder(current, this.record)) await rm(leasePath(this.options.stateDir, this.options.board), { force: true }).catch(() => undefined);
  }

  private beat(): void {
    this.timer = setTimeout(() => void this.refresh(), this.options.heartbeatMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (this.released) return;
    const { stateDir, board } = this.options;
    const current = await readLease(stateDir, board);
    if (!sameHolder(current, this.record)) {
      this.released = true;
      this.options.onLost?.(current ? `the lease of ${board} is now held by pid ${current.pid} on ${current.host}` : `the lease file of ${board} was removed`);
      return;
    }
    const path = leasePath(stateDir, board);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ ...this.record, heartbeat: new Date((this.options.now ?? Date.now)()).toISOString() }));
      await rename(tmp, path);
    } catch {
      // A full disk: the next beat tries again; the lease expires only if they all fail.
      await rm(tmp, { force: true }).catch(() => undefined);
    }
    if (!this.released) this.beat();
  }
}

async function breakStale(path: string, stale: LeaseRecord, stateDir: string, board: string): Promise<void> {
  const guard = join(stateDir, `${board}.breaking`);
  try {
    await mkdir(guard);
  } catch {
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > BREAK_LOCK_STALE_MS) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    if (sameHolder(await readLease(stateDir, board), stale)) await unlink(path).catch(() => undefined);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}
