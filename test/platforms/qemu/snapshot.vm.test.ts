/**
 * Snapshot restore on QEMU: the first boot of an image saves its state at the ready marker, later
 * sessions start from it. Restored guests get fresh randomness and the host's clock; fresh-machine
 * cases, --repeat and --no-snapshot still boot for real.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { harness } from '../../e2e/harness-cli.js';

const cases = fileURLToPath(new URL('./snapshot-cases', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'harness-snapshot-test-'));
const cache = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Results {
  results: { caseId: string; outcome: string; containers: { stdout: string }[] }[];
  boots: { caseIds: string[]; resumed?: boolean; phases: Record<string, number>; consoleLog: string; guest?: { agent: string } }[];
}
const read = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
const run = async (name: string, extra: string[]) => {
  const out = join(root, name);
  // The bundled images live in the repo's cache; the snapshots in this test's own.
  const r = await harness(['run', '--platform', 'qemu:x86_64', '--cases', cases, '--out', out, '--no-history', '--snapshot-cache', cache, ...extra]);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return read(out);
};
const printed = (r: Results, id: string) => /random (\w+) clock (\d+)/.exec(r.results.find((x) => x.caseId === id)!.containers[0]!.stdout)!;

describe('QEMU snapshot restore (x86_64)', () => {
  it('saves the state at the first boot and starts later sessions from it, each with its own randomness and the right clock', async () => {
    const first = await run('first', ['--grep', '^rand-a$']);
    expect(first.boots[0]).not.toHaveProperty('resumed');
    expect(readdirSync(cache).filter((f) => f.endsWith('.vmstate'))).toHaveLength(1);

    const second = await run('second', ['--grep', '^rand-']);
    expect(second.boots.map((b) => b.resumed)).toEqual([true, true]);
    // The compiled agent came with the case files after the restore, and agent.sh handed over to it.
    expect(second.boots.map((b) => b.guest?.agent)).toEqual(['agentd', 'agentd']);
    // Nothing booted: no kernel or init phase, and the session was ready far sooner than a boot.
    for (const b of second.boots) expect(b.phases).not.toHaveProperty('kernel');
    // Its console log still shows how the guest got there: the saving boot's console, marked, then its own.
    const log = readFileSync(second.boots[0]!.consoleLog, 'utf8');
    const [saved, own] = log.split("[harness] restored from a saved snapshot; this session's console follows\n");
    expect(saved).toMatch(/^\[harness\] restored from a saved snapshot; up to the next such line, the console of the boot that saved it:\n/);
    expect(saved).toContain('Linux version');
    expect(saved).toContain('harness-init: ready');
    expect(own).toContain('harness-bootstrapped');
    expect(own).not.toContain('Linux version');
    // The shell was saved with echo off: what the session typed (the clock, the seed) is not echoed back.
    expect(own).not.toContain('/dev/urandom');
    expect(saved).toContain('stty -echo; dmesg -n 1');
    const [a, b] = [printed(second, 'rand-a'), printed(second, 'rand-b')];
    expect(a[1]).not.toBe(b[1]);
    for (const p of [a, b]) expect(Math.abs(Number(p[2]) - Date.now() / 1000)).toBeLessThan(120);
  }, 600_000);

  it('boots for real for fresh-machine cases, --repeat and --no-snapshot', async () => {
    const fresh = await run('fresh', ['--grep', '^fresh$']);
    expect(fresh.boots[0]!.resumed).toBeUndefined();
    expect(fresh.boots[0]!.phases).toHaveProperty('kernel');
    const repeated = await run('repeat', ['--grep', '^rand-a$', '--repeat', '2']);
    expect(repeated.boots.map((b) => b.resumed)).toEqual([undefined, undefined]);
    const off = await run('off', ['--grep', '^rand-a$', '--no-snapshot']);
    expect(off.boots[0]!.resumed).toBeUndefined();
  }, 600_000);
});
