/**
 * The snapshot cache's files, without a guest: a state is saved with its console beside it, the
 * least recently restored go first when the cache outgrows its budget, and forget removes both.
 * QEMU's side of a migration is played by a QMP stand-in that runs the exec: URI as QEMU would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Qmp } from '../../../platforms/qemu/qmp.js';
import { SnapshotCache, snapshotKey } from '../../../platforms/qemu/snapshot.js';

/** Writes `bytes` zero bytes into the `exec:cat > FILE` target of a migrate, and reports it completed. */
function migratingQmp(bytes: number): Qmp {
  const stub = {
    async execute(command: string, args?: Record<string, unknown>) {
      if (command === 'migrate') execFileSync('sh', ['-c', `head -c ${bytes} /dev/zero | ${String(args!['uri']).slice('exec:'.length)}`]);
      if (command === 'query-migrate') return { status: 'completed' };
      return {};
    },
  };
  return stub as unknown as Qmp;
}

describe('SnapshotCache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-snapshot-cache-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves a state with its console and prunes the least recently used beyond 2 GiB', async () => {
    const cache = new SnapshotCache(dir);
    await cache.save(migratingQmp(1024), 'first', async () => 'Linux version 6.1\nharness-init: ready\n');
    expect(await cache.has('first')).toBe(true);
    expect(await cache.savedConsole('first')).toBe('Linux version 6.1\nharness-init: ready\n');

    // Two sparse states of 1.5 GiB: the older one must go when a third is saved.
    const hour = 3600;
    const now = Date.now() / 1000;
    for (const [key, age] of [['old', 3 * hour], ['recent', hour]] as const) {
      const path = cache.path(key);
      writeFileSync(path, '');
      execFileSync('truncate', ['-s', '1536M', path]);
      writeFileSync(join(dir, `${key}.console`), 'console');
      utimesSync(path, now - age, now - age);
    }
    await cache.save(migratingQmp(1024), 'newest', async () => 'newest boot');
    expect(readdirSync(dir).sort()).toEqual(['first.console', 'first.vmstate', 'newest.console', 'newest.vmstate', 'recent.console', 'recent.vmstate']);

    await cache.forget('first');
    expect(await cache.has('first')).toBe(false);
    expect(await cache.savedConsole('first')).toBeUndefined();
  });
});

describe('snapshotKey', () => {
  it('changes with the resident files, byte for byte, and with nothing else the sessions send', async () => {
    const kernel = join(mkdtempSync(join(tmpdir(), 'harness-snapshot-key-')), 'kernel');
    writeFileSync(kernel, 'k');
    const inputs = { qemuVersion: '7.2', argv: ['-kernel', kernel], files: [kernel] };
    const agentd = { path: 'bin/harness-agentd-x86_64', mode: 0o755, data: Buffer.from('agent one') };
    const base = await snapshotKey(inputs);
    const withAgent = await snapshotKey({ ...inputs, resident: [agentd] });
    expect(withAgent).not.toBe(base);
    expect(await snapshotKey({ ...inputs, resident: [{ ...agentd }] })).toBe(withAgent);
    expect(await snapshotKey({ ...inputs, resident: [{ ...agentd, data: Buffer.from('agent two') }] })).not.toBe(withAgent);
    expect(await snapshotKey({ ...inputs, resident: [{ ...agentd, mode: 0o700 }] })).not.toBe(withAgent);
    rmSync(join(kernel, '..'), { recursive: true, force: true });
  });
});
