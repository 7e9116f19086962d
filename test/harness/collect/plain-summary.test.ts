import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { judgeContainers } from '../../../harness/collect/outcome.js';
import { findSuiteLine, NO_SUITE_LINE, plainSummary } from '../../../harness/collect/plain-summary.js';
import { parseTap } from '../../../harness/collect/tap.js';
import type { ContainerResult, ResultKind } from '../../../harness/model/types.js';

const CHECKS = fileURLToPath(new URL('../../fixtures/linuxkit-checks/', import.meta.url));

/** Runs one of the LinuxKit-style scripts under the host's sh, as the guest's sh would run it. */
function run(script: string): Promise<{ stdout: string; exitCode: number }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [join(CHECKS, script)], (error, stdout) => {
      const code = error && typeof error.code === 'number' ? error.code : 0;
      resolve({ stdout, exitCode: code });
    });
  });
}

/** The container result session.ts builds for a case judged as `kind`. */
function container(kind: ResultKind, stdout: string, exitCode: number): ContainerResult {
  const base = { name: 'check', exitCode, durationMs: 1, timedOut: false, stdout, stderr: '' };
  return kind === 'tap' ? { ...base, tap: parseTap(stdout) } : { ...base, result: kind, tap: plainSummary(kind, stdout, exitCode) };
}

async function verdict(script: string, kind: ResultKind) {
  const { stdout, exitCode } = await run(script);
  return judgeContainers([container(kind, stdout, exitCode)], []);
}

describe('LinuxKit and rtf result conventions', () => {
  it.each([
    ['proc-check.sh', 'linuxkit', { outcome: 'pass' }],
    ['proc-check.sh', 'exit-code', { outcome: 'pass' }],
    ['missing-check.sh', 'linuxkit', { outcome: 'fail', reason: 'printed "missing test suite FAILED"; exit code 1' }],
    ['missing-check.sh', 'exit-code', { outcome: 'fail', reason: 'exit code 1' }],
    ['lying-check.sh', 'linuxkit', { outcome: 'fail', reason: 'exit code 3' }],
    ['quiet-test.sh', 'exit-code', { outcome: 'fail', reason: 'exit code 1' }],
    ['quiet-test.sh', 'linuxkit', { outcome: 'fail', reason: `${NO_SUITE_LINE}; exit code 1` }],
    ['plain-test.sh', 'exit-code', { outcome: 'pass' }],
    ['plain-test.sh', 'linuxkit', { outcome: 'fail', reason: NO_SUITE_LINE }],
    ['cancel-test.sh', 'exit-code', { outcome: 'skip', reason: "exit code 253: cancelled (rtf's RT_TEST_CANCEL)" }],
  ] as const)('%s under result: %s', async (script, kind, expected) => {
    expect(await verdict(script, kind)).toEqual(expected);
  });

  it('reads output judged by exit code as a log, not as TAP', async () => {
    const { stdout, exitCode } = await run('plain-test.sh');
    // The same output read as TAP is a failure: that is what `result: exit-code` spares rtf tests.
    expect(judgeContainers([container('tap', stdout, exitCode)], []).outcome).toBe('fail');
    const plain = container('exit-code', stdout, exitCode);
    expect(plain.tap).toMatchObject({ format: 'none', ok: true, problems: [], asserts: [] });
  });

  it('names the container of a failing check when a case has several', () => {
    const verdictOf = judgeContainers(
      [
        { ...container('linuxkit', 'a test suite PASSED\n', 0), name: 'a' },
        { ...container('linuxkit', 'b test suite FAILED\n', 1), name: 'b' },
      ],
      [],
    );
    expect(verdictOf).toEqual({ outcome: 'fail', reason: 'b: printed "b test suite FAILED"; b: exit code 1' });
  });

  it('finds the line among kernel messages on a console, FAILED winning over PASSED', () => {
    const console = '[    1.2] random: crng init done\r\nbinfmt test suite PASSED\r\n[    1.3] reboot: Power down\r\n';
    expect(findSuiteLine(console)).toEqual({ passed: true, line: 'binfmt test suite PASSED' });
    expect(findSuiteLine('x test suite PASSED\ny test suite FAILED\n')).toEqual({ passed: false, line: 'y test suite FAILED' });
    expect(findSuiteLine('[ 2.0] sysctl test suite FAILED with printk prefix\n')?.passed).toBe(false);
    expect(findSuiteLine('no verdict here\n')).toBeUndefined();
  });

  it('caps the line it quotes', () => {
    const line = `${'x'.repeat(100_000)} test suite FAILED`;
    expect(findSuiteLine(line)?.line.length).toBe(120);
  });
});
