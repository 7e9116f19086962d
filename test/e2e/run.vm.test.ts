import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTap } from '../../harness/collect/tap.js';
import type { CaseResult, RunSummary } from '../../harness/model/types.js';
import { fixturePrefix } from '../../fixtures/paths.js';
import { harness } from './harness-cli.js';

type ResultsJson = Pick<RunSummary, 'results' | 'boots' | 'skipped' | 'exitCode'>;

function readResults(out: string): ResultsJson {
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsJson;
}

function byCase(results: CaseResult[], platform: string, id: string): CaseResult {
  const found = results.find((r) => r.platform === platform && r.caseId === id);
  if (!found) throw new Error(`no result for ${id} on ${platform}`);
  return found;
}

describe('harness run on all three architectures (real QEMU)', () => {
  const out = mkdtempSync(join(tmpdir(), 'harness-e2e-'));
  let exitCode: number | undefined;
  let output = '';

  beforeAll(async () => {
    const run = await harness(['run', '--platform', 'qemu', '--out', out]);
    exitCode = run.exitCode;
    output = run.all;
  });

  it('exits 0 with every bundled case passed or skipped', () => {
    expect(exitCode, output).toBe(0);
    const { results } = readResults(out);
    const bad = results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip');
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
  });

  it('ran every case on x86_64, arm64 and s390x', () => {
    const { results } = readResults(out);
    for (const platform of ['qemu:x86_64', 'qemu:arm64', 'qemu:s390x']) {
      const ids = results.filter((r) => r.platform === platform).map((r) => r.caseId);
      expect(ids.length, platform).toBeGreaterThanOrEqual(10);
      expect(ids).toContain('uname-arch');
    }
  });

  it('ran every agent session with the compiled agent, escapes-closed included', () => {
    const { boots, results } = readResults(out);
    const agents = boots.flatMap((b) => (b.guest ? [b.guest.agent] : []));
    expect(agents.length).toBeGreaterThanOrEqual(3);
    expect(new Set(agents)).toEqual(new Set(['agentd']));
    for (const platform of ['qemu:x86_64', 'qemu:arm64', 'qemu:s390x']) expect(byCase(results, platform, 'escapes-closed').outcome).toBe('pass');
  });

  it('keeps the failing case out of the default run, with the reason written down', () => {
    const { results, skipped } = readResults(out);
    expect(results.some((r) => r.caseId === 'fails-on-purpose')).toBe(false);
    expect(skipped.find((s) => s.caseId === 'fails-on-purpose')?.reason).toMatch(/excluded by default/);
  });

  it('reports a self-skipping case as skip with its reason', () => {
    const skip = byCase(readResults(out).results, 'qemu:arm64', 'skip-self');
    expect(skip.outcome).toBe('skip');
    expect(skip.reason).toBeTruthy();
  });

  it('parses subtests and YAML diagnostics from the guest', () => {
    const r = byCase(readResults(out).results, 'qemu:s390x', 'subtests-yaml');
    const tap = r.containers[0]!.tap;
    expect(tap.asserts.some((a) => a.subtest !== undefined)).toBe(true);
    expect(tap.asserts.some((a) => a.diag !== undefined)).toBe(true);
  });

  it('parses KTAP from the guest', () => {
    const r = byCase(readResults(out).results, 'qemu:x86_64', 'ktap-selftest');
    expect(r.containers[0]!.tap.format).toBe('ktap');
    expect(r.outcome).toBe('pass');
  });

  it('runs the LinuxKit-style self-testing image and reads its TAP from the console', () => {
    const r = byCase(readResults(out).results, 'qemu:arm64', 'image-selftest');
    expect(r.outcome).toBe('pass');
    expect(r.containers[0]!.tap.counts.pass).toBeGreaterThan(0);
  });

  it('writes junit.xml, results.tap and a console log per boot', () => {
    const { boots, results } = readResults(out);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)?.length).toBe(results.length);
    const tap = parseTap(readFileSync(join(out, 'results.tap'), 'utf8'));
    expect(tap.counts.total).toBe(results.length);
    expect(tap.ok).toBe(true);
    expect(boots.length).toBeGreaterThanOrEqual(3);
    for (const boot of boots) {
      expect(existsSync(boot.consoleLog), boot.consoleLog).toBe(true);
      // A session restored from a snapshot has the saving boot's console at its head (snapshot.vm.test.ts), and no kernel phase of its own.
      expect(readFileSync(boot.consoleLog, 'utf8')).toContain('Linux version');
      if (boot.resumed) expect(boot.phases.ready).toBeGreaterThan(0);
      else expect(boot.phases.kernel).toBeGreaterThan(0);
    }
    // boots/<boot>/<case>/<container>.stdout (harness/collect/output-files.ts), or flat before that.
    expect(readdirSync(join(out, 'boots'), { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.stdout'))).toBe(true);
  });
});

describe('harness run: failures, other images and channels (real QEMU)', () => {
  it('exits 1 and names the failing assert when a case fails', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-e2e-fail-'));
    const run = await harness(['run', '--platform', 'arm64', '--label', 'fails-on-purpose', '--out', out]);
    expect(run.exitCode, run.all).toBe(1);
    const r = byCase(readResults(out).results, 'qemu:arm64', 'fails-on-purpose');
    expect(r.outcome).toBe('fail');
    expect(r.reason).toMatch(/1 of 2 failed/);
    expect(r.containers[0]!.exitCode).toBe(1);
  });

  it('boots a LinuxKit image given by prefix with --image', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-e2e-image-'));
    const run = await harness(['run', '--platform', 'x86_64', '--image', fixturePrefix('x86_64', 'harness'), '--grep', '^uname-arch$', '--out', out]);
    expect(run.exitCode, run.all).toBe(0);
    expect(byCase(readResults(out).results, 'qemu:x86_64', 'uname-arch').outcome).toBe('pass');
  });

  it('runs the suite with agent.sh alone when the compiled agent is left out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-e2e-sh-'));
    const run = await harness(['run', '--platform', 'x86_64', '--no-agentd', '--out', out]);
    expect(run.exitCode, run.all).toBe(0);
    const { results, boots } = readResults(out);
    expect(new Set(boots.flatMap((b) => (b.guest ? [b.guest.agent] : [])))).toEqual(new Set(['sh']));
    expect(byCase(results, 'qemu:x86_64', 'escapes-closed').outcome).toBe('pass');
  });

  it('gives a case the runtime it names, and an infrastructure error for one the image lacks', async () => {
    const cases = mkdtempSync(join(tmpdir(), 'harness-e2e-runtime-'));
    const write = (id: string, yaml: string) => {
      mkdirSync(join(cases, id, 'files'), { recursive: true });
      writeFileSync(join(cases, id, 'case.yaml'), yaml);
      writeFileSync(join(cases, id, 'files', 'test.sh'), 'echo 1..1\necho "ok 1 - isolation ${HARNESS_ISOLATION:-full}"\n');
    };
    const container = 'containers:\n  - name: c\n    run: [/bin/sh, /case/test.sh]\n';
    write('bare', `summary: busybox unshare asked for\nruntime: unshare\n${container}`);
    write('wants-runc', `summary: a runtime the image does not have\nruntime: runc\n${container}`);
    const out = mkdtempSync(join(tmpdir(), 'harness-e2e-runtime-out-'));
    const run = await harness(['run', '--platform', 'arm64', '--cases', cases, '--out', out]);
    expect(run.exitCode, run.all).toBe(3);
    const { results } = readResults(out);
    const bare = byCase(results, 'qemu:arm64', 'bare');
    expect(bare).toMatchObject({ outcome: 'pass', isolation: 'reduced' });
    expect(bare.containers[0]!.tap.asserts[0]!.name).toBe('isolation reduced');
    expect(byCase(results, 'qemu:arm64', 'wants-runc')).toMatchObject({ outcome: 'error', errorClass: 'infra', reason: expect.stringContaining('runtime runc is not available on this target') });
  });

  it('runs the suite with frames over the console, sharing it with the kernel', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-e2e-console-'));
    const run = await harness(['run', '--platform', 's390x', '--channel', 'console', '--out', out]);
    expect(run.exitCode, run.all).toBe(0);
    const { results, boots } = readResults(out);
    expect(results.filter((r) => r.outcome === 'pass').length).toBeGreaterThanOrEqual(10);
    expect(boots.find((b) => b.guest)?.guest).toMatchObject({ channel: 'console', agent: 'agentd' });
  });
});
