import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTap } from '../../../harness/collect/tap.js';
import { JunitReporter } from '../../../harness/report/junit.js';
import { TapReporter } from '../../../harness/report/tap-reporter.js';
import { exitCodeOf } from '../../../harness/run/run-targets.js';
import type { RunSummary } from '../../../harness/model/types.js';
import { fakeCase, resultOf, runFakeSession } from '../../support/fake-session.js';

describe('cases judged without TAP, through a session and the reporters', () => {
  it('keeps exit-code output as a log and reads the LinuxKit line, and no reporter asks for TAP', async () => {
    const run = await runFakeSession(
      [fakeCase('rtf', { result: 'exit-code' }), fakeCase('lk', { result: 'linuxkit' }), fakeCase('lk-bad', { result: 'linuxkit' })],
      {
        channel: true,
        cases: {
          rtf: (ctx) => {
            ctx.stdout('building...\nnot ok, but only words\n');
            ctx.exit(0);
          },
          lk: (ctx) => {
            ctx.stdout('sysctl test suite PASSED\n');
            ctx.exit(0);
          },
          'lk-bad': (ctx) => {
            ctx.stdout('sysctl test suite FAILED\n');
            ctx.exit(1);
          },
        },
      },
    );
    expect(resultOf(run, 'rtf')).toMatchObject({ outcome: 'pass', containers: [{ result: 'exit-code', stdout: 'building...\nnot ok, but only words\n' }] });
    expect(resultOf(run, 'lk')).toMatchObject({ outcome: 'pass', containers: [{ result: 'linuxkit' }] });
    expect(resultOf(run, 'lk-bad')).toMatchObject({ outcome: 'fail', reason: 'printed "sysctl test suite FAILED"; exit code 1' });
    // The full stream is on disk as the log, whatever it said.
    expect(await readFile(join(run.outDir, 'boots', 'x86_64-0-0', 'rtf', 'main.stdout'), 'utf8')).toContain('only words');

    const summary: RunSummary = { runId: 'r', durationMs: 1, results: run.results, boots: [run.boot], skipped: [], exitCode: exitCodeOf(run.results) };
    await new TapReporter({ path: join(run.outDir, 'results.tap') }).onRunEnd(summary);
    const tap = parseTap(await readFile(join(run.outDir, 'results.tap'), 'utf8'));
    expect(tap.problems).toEqual([]);
    expect(tap.asserts.map((a) => [a.name, a.ok])).toEqual([
      ['rtf [fake:x86_64]', true],
      ['lk [fake:x86_64]', true],
      ['lk-bad [fake:x86_64]', false],
    ]);
    await new JunitReporter({ path: join(run.outDir, 'junit.xml') }).onRunEnd(summary);
    const junit = await readFile(join(run.outDir, 'junit.xml'), 'utf8');
    expect(junit).not.toContain('TAP');
    expect(junit).toContain('printed &quot;sysctl test suite FAILED&quot;');
  });
});
