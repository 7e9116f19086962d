import { describe, expect, it } from 'vitest';
import { HumanReporter, type HumanReporterOptions } from '../../../harness/report/human.js';
import { parseTap } from '../../../harness/collect/tap.js';
import type { CaseResult, RunSummary } from '../../../harness/model/types.js';
import { info, results, summary } from './run-fixture.js';

function run(options: Omit<HumanReporterOptions, 'write'>, runSummary: RunSummary = summary): string {
  let out = '';
  const reporter = new HumanReporter({ ...options, write: (s) => (out += s) });
  reporter.onRunBegin(info);
  reporter.onBootBegin('qemu-x86_64-boot-1', 'qemu-x86_64');
  reporter.onBootPhase('qemu-x86_64-boot-1', 'kernel', 400);
  reporter.onBootPhase('qemu-x86_64-boot-1', 'ready', 2100);
  reporter.onBootBegin('qemu-arm64-boot-1', 'qemu-arm64');
  reporter.onBootPhase('qemu-arm64-boot-1', 'firmware', 90);
  for (const r of runSummary.results) {
    reporter.onCaseBegin(r.caseId, r.platform);
    reporter.onCaseEnd(r);
  }
  for (const b of runSummary.boots) reporter.onBootEnd(b);
  reporter.onRunEnd(runSummary);
  return out;
}

describe('HumanReporter, plain', () => {
  const out = run({ color: false, live: false });
  const lines = out.split('\n');

  it('has no ANSI escapes and no carriage returns', () => {
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\r');
    // The case id carries BEL and ESC; neither may reach the terminal.
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });

  it('prints one line per case with status, platform, id, duration and reason', () => {
    expect(lines).toContain('PASS qemu-x86_64 net-loopback (1.2s)');
    expect(lines).toContain('FAIL qemu-arm64 hostname (1.2s): 1 of 2 failed: "uts > name is set"');
    expect(lines).toContain('SKIP qemu-x86_64 no-network (1.2s): no network in this image');
    expect(lines).toContain('FLAKY qemu-arm64 clock (1.2s, 2 attempts): attempt 1: planned 3, ran 1');
    expect(lines).toContain('ERROR[boot] qemu-arm64 panic (1.2s): Kernel panic - not syncing: VFS');
    expect(lines).toContain('BOOT ERROR[boot] qemu-arm64 qemu-arm64-boot-2: Kernel panic - not syncing: VFS');
    expect(lines.filter((l) => l.startsWith('FAIL qemu-x86_64 quote'))).toEqual([
      'FAIL qemu-x86_64 quote "q" <tag> & hash #1 back\\slash new\uFFFD[31mline\uFFFD (1.2s): bad\uFFFD "reason" #2 second line',
      'FAIL qemu-x86_64 quote "q" <tag> & hash #1 back\\slash new\uFFFD[31mline\uFFFD (1.2s): bad\uFFFD "reason" #2 second line',
    ]);
  });

  it('marks a case that ran privileged or with reduced isolation', () => {
    const out: string[] = [];
    const reporter = new HumanReporter({ write: (t) => out.push(t), color: false, live: false });
    reporter.onCaseEnd({ ...results[0]!, privileged: true });
    reporter.onCaseEnd({ ...results[0]!, isolation: 'reduced' });
    expect(out.join('')).toContain('PASS qemu-x86_64 net-loopback [privileged] (1.2s)');
    expect(out.join('')).toContain('PASS qemu-x86_64 net-loopback [isolation reduced] (1.2s)');
  });

  it('ends with counts by outcome and platform, boots and wall time', () => {
    const summaryAt = lines.indexOf('1 passed, 2 failed, 1 skipped, 1 flaky, 1 errored (6 cases)');
    expect(summaryAt).toBeGreaterThan(0);
    expect(lines.slice(summaryAt + 1, summaryAt + 6)).toEqual([
      '  qemu-x86_64: 1 passed, 1 failed, 1 skipped',
      '  qemu-arm64: 1 failed, 1 flaky, 1 errored',
      'boots: 3, 1 failed, median ready 1.4s',
      'not selected: 1',
      'wall time: 1m23s',
    ]);
  });

  it('counts restored sessions apart from boots, and keeps their time to ready out of the boots\' median', () => {
    const boots = summary.boots.map((b, i) => (i === 0 ? { ...b, resumed: true, phases: { ...b.phases, ready: 300 } } : b));
    const text = run({ color: false, live: false }, { ...summary, boots });
    // Without the restored one, only qemu-arm64-boot-1 (ready at 1.4 s) reached ready.
    expect(text.split('\n')).toContain('boots: 3 (1 restored from a snapshot), 1 failed, median ready 1.4s, restored ready 300ms');
  });

  it('prints the cloud instance-seconds of a run that used cloud instances', () => {
    const boots = summary.boots.map((b, i) => (i < 2 ? { ...b, instanceSeconds: 60.5 } : b));
    const cloud = run({ color: false, live: false }, { ...summary, boots }).split('\n');
    expect(cloud[cloud.indexOf('wall time: 1m23s') + 1]).toBe('cloud: 121 instance-seconds over 2 instance(s)');
    expect(lines.some((l) => l.startsWith('cloud:'))).toBe(false);
  });

  it('details failures with their failed asserts, diagnostics and stderr tail', () => {
    const at = lines.lastIndexOf('FAIL qemu-arm64 hostname (1.2s): 1 of 2 failed: "uts > name is set"');
    expect(lines.slice(at + 1, at + 8)).toEqual([
      '  not ok uts > name is set',
      '      got: (none)',
      '      wanted: harness',
      '  stderr (last 3 lines):',
      '    line 1',
      '    hostname: sethostname: Operation not permitted',
      '    ]]> end',
    ]);
    expect(out).not.toMatch(/PASS.*\n {2}not ok/);
  });

  it('cuts long diagnostics and stderr', () => {
    const diag = Array.from({ length: 12 }, (_, i) => `  k${i}: ${i}`).join('\n');
    const tap = parseTap(`1..1\nnot ok 1 - big\n  ---\n${diag}\n  ...\n`);
    const stderr = Array.from({ length: 30 }, (_, i) => `err ${i}`).join('\n');
    const big: CaseResult = {
      ...(results[1] as CaseResult),
      containers: [{ name: 'p', exitCode: 1, durationMs: 1, timedOut: false, tap, stdout: '', stderr }],
    };
    const text = run({ color: false, live: false }, { ...summary, results: [big] });
    expect(text).toContain('      k7: 7\n      …\n');
    expect(text).not.toContain('k8: 8');
    expect(text).toContain('  stderr (last 10 lines):\n    err 20\n');
    expect(text).not.toContain('err 19\n');
  });
});

describe('HumanReporter, colour and live', () => {
  it('colours status words when asked to', () => {
    expect(run({ color: true, live: false })).toContain('\x1b[32mPASS\x1b[39m');
  });

  it('redraws one status line in place and prints finished cases above it', () => {
    const out = run({ color: false, live: true });
    const frames = out.split('\r\x1b[2K');
    expect(frames).toContain('[0/6] | qemu-x86_64: booting (kernel, 400ms)');
    expect(frames).toContain('[0/6] | qemu-x86_64: net-loopback | qemu-arm64: booting (firmware, 90ms)');
    expect(frames).toContain('PASS qemu-x86_64 net-loopback (1.2s)\n');
    expect(frames).toContain('[1/6] 1 passed | qemu-arm64: hostname');
    // After the run the status line is gone: the output ends with the summary, not a redraw.
    expect(out.endsWith('not ok a # b\n')).toBe(true);
    expect(out.slice(out.lastIndexOf('\r\x1b[2K'))).toMatch(/^\r\x1b\[2K\n1 passed/);
  });

  it('cuts the status line to the terminal width', () => {
    const out = run({ color: false, live: true, columns: 20 });
    const statuses = out.split('\r\x1b[2K').filter((f) => f.startsWith('['));
    expect(statuses.length).toBeGreaterThan(3);
    for (const s of statuses) expect(s.length).toBeLessThan(20);
  });
});
