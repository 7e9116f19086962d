import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatInitrd, writeCpio } from '../../harness/image/cpio.js';
import type { CaseResult, RunSummary } from '../../harness/model/types.js';
import { fixtureImageFiles } from '../../fixtures/paths.js';
import { harness } from './harness-cli.js';

const CHECKS = fileURLToPath(new URL('../fixtures/linuxkit-checks/', import.meta.url));
const RTF_TREE = fileURLToPath(new URL('../fixtures/rtf/cases', import.meta.url));

/** A case folder running one of the LinuxKit-style scripts in a container, judged as `result`. */
function scriptCase(cases: string, id: string, script: string, result: string): void {
  mkdirSync(join(cases, id, 'files'), { recursive: true });
  copyFileSync(join(CHECKS, script), join(cases, id, 'files', script));
  writeFileSync(join(cases, id, 'case.yaml'), `summary: ${script} judged as ${result}\nresult: ${result}\ncontainers:\n  - name: check\n    run: [/bin/sh, /case/${script}]\n`);
}

/**
 * A LinuxKit-style test image: the bundled selftest image with its /init replaced (a cpio appended to
 * the initrd overrides the file) by one that prints `<name> test suite PASSED` or `FAILED` and powers off.
 */
function linuxkitImageCase(cases: string, id: string, verdict: 'PASSED' | 'FAILED'): void {
  const dir = join(cases, id);
  mkdirSync(dir, { recursive: true });
  const image = fixtureImageFiles('x86_64', 'selftest');
  const init = ['#!/bin/busybox sh', '/bin/busybox mount -t proc proc /proc', '/bin/busybox --install -s /bin', `echo "${id} test suite ${verdict}"`, 'sync', 'poweroff -f', ''].join('\n');
  copyFileSync(image.kernel, join(dir, 'lk-kernel'));
  copyFileSync(image.cmdline, join(dir, 'lk-cmdline'));
  writeFileSync(join(dir, 'lk-initrd.img'), concatInitrd([readFileSync(image.initrd), writeCpio([{ type: 'file', path: 'init', data: init, mode: 0o755 }])]));
  writeFileSync(join(dir, 'case.yaml'), `summary: a LinuxKit test image that ${verdict}\nplatforms: [qemu]\narch: [x86_64]\nimage-runs-own-tests: true\nimage: lk\nresult: linuxkit\ntimeout: 2m\n`);
}

describe('LinuxKit and rtf tests through the real CLI on qemu:x86_64', () => {
  const root = mkdtempSync(join(tmpdir(), 'harness-linuxkit-'));
  const cases = join(root, 'cases');
  const out = join(root, 'out');
  let results: CaseResult[] = [];
  let exitCode: number | undefined;
  let output = '';

  beforeAll(async () => {
    scriptCase(cases, 'lk-proc', 'proc-check.sh', 'linuxkit');
    scriptCase(cases, 'lk-missing', 'missing-check.sh', 'linuxkit');
    scriptCase(cases, 'lk-lying', 'lying-check.sh', 'linuxkit');
    scriptCase(cases, 'rtf-plain', 'plain-test.sh', 'exit-code');
    scriptCase(cases, 'rtf-quiet', 'quiet-test.sh', 'exit-code');
    scriptCase(cases, 'rtf-cancel', 'cancel-test.sh', 'exit-code');
    linuxkitImageCase(cases, 'lk-image-pass', 'PASSED');
    linuxkitImageCase(cases, 'lk-image-fail', 'FAILED');
    const imported = await harness(['import', 'rtf', RTF_TREE, '--out', cases]);
    expect(imported.exitCode, imported.all).toBe(0);
    const run = await harness(['run', '--platform', 'qemu:x86_64', '--cases', cases, '--out', out, '--no-history', '--reporter', 'json,junit,tap']);
    exitCode = run.exitCode;
    output = run.all;
    results = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunSummary).results;
  });

  const outcome = (id: string) => results.find((r) => r.caseId === id);

  it('judges check.sh scripts by their LinuxKit line and their exit code', () => {
    expect(outcome('lk-proc'), output).toMatchObject({ outcome: 'pass' });
    expect(outcome('lk-missing')).toMatchObject({ outcome: 'fail', reason: 'printed "missing test suite FAILED"; exit code 1' });
    expect(outcome('lk-lying')).toMatchObject({ outcome: 'fail', reason: 'exit code 3' });
  });

  it('judges rtf tests by their exit code alone, 253 a skip', () => {
    expect(outcome('rtf-plain'), output).toMatchObject({ outcome: 'pass' });
    expect(outcome('rtf-quiet')).toMatchObject({ outcome: 'fail', reason: 'exit code 1' });
    expect(outcome('rtf-cancel')).toMatchObject({ outcome: 'skip' });
  });

  it('reads a LinuxKit test image’s verdict on its console', () => {
    expect(outcome('lk-image-pass'), output).toMatchObject({ outcome: 'pass', containers: [{ name: 'console', result: 'linuxkit' }] });
    expect(outcome('lk-image-fail')).toMatchObject({ outcome: 'fail', reason: 'printed "lk-image-fail test suite FAILED"' });
  });

  it('runs what harness import rtf wrote: check.sh and a plain test.sh pass, an arm64-only check is left out', () => {
    expect(outcome('packages.sysctl'), output).toMatchObject({ outcome: 'pass' });
    expect(outcome('packages.not-s390')).toMatchObject({ outcome: 'pass' });
    expect(outcome('host.plain')).toMatchObject({ outcome: 'pass' });
    expect(outcome('packages.arm-only')).toBeUndefined();
  });

  it('exits 1 for the failures, and no report asks for TAP', () => {
    expect(exitCode, output).toBe(1);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).not.toContain('no TAP output');
    expect(readFileSync(join(out, 'results.tap'), 'utf8')).not.toContain('no TAP output');
  });
});
