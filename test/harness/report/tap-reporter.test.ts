import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TapReporter } from '../../../harness/report/tap-reporter.js';
import { parseTap } from '../../../harness/collect/tap.js';
import { summary } from './run-fixture.js';

async function render(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'tap-reporter-')), 'nested', 'results.tap');
  await new TapReporter({ path }).onRunEnd(summary);
  return readFile(path, 'utf8');
}

describe('TapReporter', () => {
  it('writes a TAP 14 stream that parses back to the run outcome', async () => {
    const text = await render();
    expect(text.startsWith('TAP version 14\n1..6\n')).toBe(true);
    const tap = parseTap(text);
    expect(tap.format).toBe('tap14');
    expect(tap.problems).toEqual([]);
    // pass and flaky are ok, fail and error are not ok.
    expect(tap.counts).toEqual({ total: 6, pass: 2, fail: 3, skip: 1, todo: 0 });
    expect(tap.asserts.map((a) => a.name.slice(0, 26))).toEqual([
      'net-loopback [qemu-x86_64]',
      'hostname [qemu-arm64]',
      'no-network [qemu-x86_64]',
      'clock [qemu-arm64]',
      'panic [qemu-arm64]',
      'quote "q" <tag> & hash #1 ',
    ]);
  });

  it('nests each case TAP as a subtest, one per container when there are several', async () => {
    const tap = parseTap(await render());
    const [net, hostname] = tap.asserts;
    expect(net?.subtest?.asserts.map((a) => [a.name, a.ok])).toEqual([
      ['server', true],
      ['client', true],
    ]);
    expect(net?.subtest?.asserts[1]?.subtest?.asserts[1]?.skip).toBe('no echo');
    const inner = hostname?.subtest?.asserts[1]?.subtest?.asserts[0];
    expect(inner).toMatchObject({ name: 'name is set', ok: false, diag: { got: '(none)', wanted: 'harness' } });
  });

  it('marks skips with their reason and errors with their class in YAML', async () => {
    const tap = parseTap(await render());
    expect(tap.asserts[2]).toMatchObject({ ok: true, skip: 'no network in this image' });
    expect(tap.asserts[2]?.subtest?.plan?.skipAll).toBe('no network in this image');
    expect(tap.asserts[3]?.diag).toMatchObject({ outcome: 'flaky', attempts: 2 });
    expect(tap.asserts[4]).toMatchObject({
      ok: false,
      diag: { outcome: 'error', errorClass: 'boot', reason: 'Kernel panic - not syncing: VFS' },
    });
    expect(tap.asserts[4]?.subtest).toBeUndefined();
  });

  it('escapes # and \\ in names and keeps them on one line', async () => {
    const text = await render();
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    const nasty = parseTap(text).asserts[5];
    expect(nasty?.name).toBe('quote "q" <tag> & hash #1 back\\slash new\uFFFD[31mline\uFFFD [qemu-x86_64]');
    expect(nasty?.ok).toBe(false);
    expect(nasty?.diag?.reason).toBe('bad\x00 "reason" #2\nsecond line');
    // `# b` is no directive, so it stays part of the name, and must survive the round trip.
    expect(nasty?.subtest?.asserts[0]?.name).toBe('a # b');
    expect(text).toContain('    not ok 1 - a \\# b\n');
    expect(text).toContain('not ok 6 - quote "q" <tag> & hash \\#1 back\\\\slash new');
  });
});
