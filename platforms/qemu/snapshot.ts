/**
 * Boot once, run many: the state of a guest that reached its ready marker is saved with QEMU's
 * migration to a file, and later sessions start from it in a third of a second instead of booting
 * again. A snapshot belongs to exactly one configuration (QEMU, argv, kernel and initrd as they are
 * on disk); anything else gets another key, and so a boot of its own.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shQuote } from '../../harness/guest/sh-quote.js';
import { InfraError } from '../../harness/model/errors.js';
import type { Qmp } from './qmp.js';

/** The bundled images' init prints this just before it leaves a shell on the console. */
export const READY_MARKER = 'harness-init: ready';
/**
 * Typed into that shell before its state is saved, so every restored session starts from it: the
 * line a session then types is not echoed back character by character through the emulated UART
 * (150-250 ms under TCG), and kernel messages stay off the console.
 */
export const SAVED_SHELL_SETUP = 'stty -echo; dmesg -n 1\n';
/** Quiet on the console after the marker: the shell has printed its prompt and waits. */
export const SETTLE_MS = 300;
const POLL_MS = 20;
const MIGRATION_TIMEOUT_MS = 120_000;
/** Snapshots nobody restored for this long are removed when another is saved. */
const KEEP_MS = 7 * 24 * 3600_000;
/** And the least recently used beyond this many bytes: each is a guest's memory (60–120 MB here). */
const KEEP_BYTES = 2 * 1024 ** 3;

export interface SnapshotInputs {
  qemuVersion: string;
  /** The argv with every per-boot path replaced, so two boots of one configuration agree. */
  argv: readonly string[];
  /** Files whose content the guest's memory holds: a change must not find the old state. */
  files: readonly string[];
  /** Files appended to the initrd for every session alike (the compiled agent), by content. */
  resident?: readonly { path: string; mode: number; data: Buffer }[];
}

/** Bumped when what a snapshot holds changes (2: its boot's console beside it; 3: resident files; 4: a quiet shell). */
const FORMAT = 4;

/** The key of a configuration: what QEMU runs and the size and mtime of what it loads. */
export async function snapshotKey(inputs: SnapshotInputs): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, inputs.qemuVersion, inputs.argv]));
  for (const file of inputs.files) {
    const info = await stat(file);
    hash.update(`\u0000${file}\u0000${info.size}\u0000${info.mtimeMs}`);
  }
  for (const f of inputs.resident ?? []) hash.update(`\u0001${f.path}\u0000${f.mode}\u0000${f.data.length}\u0000`).update(f.data);
  return hash.digest('hex').slice(0, 32);
}

export class SnapshotCache {
  constructor(readonly dir: string) {}

  path(key: string): string {
    return join(this.dir, `${key}.vmstate`);
  }

  async has(key: string): Promise<boolean> {
    return stat(this.path(key)).then((s) => s.isFile() && s.size > 0, () => false);
  }

  /** The console of the boot the state was saved from, up to the save: a restored session's evidence of how it got there. */
  private consolePath(key: string): string {
    return join(this.dir, `${key}.console`);
  }

  async savedConsole(key: string): Promise<string | undefined> {
    return readFile(this.consolePath(key), 'utf8').catch(() => undefined);
  }

  async forget(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
    await rm(this.consolePath(key), { force: true });
  }

  /**
   * Saves the paused guest behind `qmp` under `key`, atomically (a reader never sees half a state),
   * with the console that led to it, and lets it run on: the boot that made the snapshot goes on as
   * an ordinary session.
   */
  async save(qmp: Qmp, key: string, consoleText: () => Promise<string>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.path(key);
    const partial = `${target}.${process.pid}.part`;
    await qmp.execute('stop');
    try {
      await qmp.execute('migrate', { uri: `exec:cat > ${shQuote(partial)}` });
      await untilMigrated(qmp, 'saving a snapshot');
      // The console first: a state that exists always has its console beside it.
      await writeFile(this.consolePath(key), await consoleText());
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    } finally {
      await qmp.execute('cont');
    }
    await this.prune(target);
  }

  /** Loads `key` into a QEMU started with `-incoming defer`; the guest runs when it returns. */
  async restore(qmp: Qmp, key: string): Promise<void> {
    // Marks it used for the pruning: atime is not updated on most mounts (relatime, noatime).
    const info = await stat(this.path(key));
    await utimes(this.path(key), new Date(), info.mtime);
    await qmp.execute('migrate-incoming', { uri: `exec:cat ${shQuote(this.path(key))}` });
    for (const deadline = Date.now() + MIGRATION_TIMEOUT_MS; ; ) {
      const { status } = (await qmp.execute('query-status')) as { status: string };
      if (status === 'running') return;
      if (status === 'paused' || status === 'postmigrate') {
        await qmp.execute('cont');
        return;
      }
      if (status !== 'inmigrate') throw new InfraError(`restoring the snapshot left the guest ${status}`);
      if (Date.now() > deadline) throw new InfraError(`restoring the snapshot took longer than ${MIGRATION_TIMEOUT_MS} ms`);
      await sleep(POLL_MS);
    }
  }

  private async prune(keep: string): Promise<void> {
    const now = Date.now();
    const states: { key: string; usedMs: number; bytes: number }[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.vmstate') || join(this.dir, name) === keep) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info) states.push({ key: name.slice(0, -'.vmstate'.length), usedMs: Math.max(info.atimeMs, info.mtimeMs), bytes: info.size });
    }
    let bytes = await stat(keep).then((s) => s.size, () => 0);
    for (const state of states.sort((a, b) => b.usedMs - a.usedMs)) {
      bytes += state.bytes;
      if (now - state.usedMs > KEEP_MS || bytes > KEEP_BYTES) await this.forget(state.key);
    }
  }
}

async function untilMigrated(qmp: Qmp, what: string): Promise<void> {
  for (const deadline = Date.now() + MIGRATION_TIMEOUT_MS; ; ) {
    const info = (await qmp.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled') throw new InfraError(`${what} failed: ${info['error-desc'] ?? info.status}`);
    if (Date.now() > deadline) throw new InfraError(`${what} took longer than ${MIGRATION_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
