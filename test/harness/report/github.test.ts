import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTap } from '../../../harness/collect/tap.js';
import type { CaseResult, RunSummary } from '../../../harness/model/types.js';
import { GithubReporter, type GithubReporterOptions } from '../../../harness/report/github.js';
import { report as regressions } from '../history/render-fixture.js';
import { ARM, everyClassRun, type EveryClassRun, X86 } from './every-class-fixture.js';

const WJ = '\u2060';
const MIB = 1024 * 1024;
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

let root: string;
let run: EveryClassRun;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'github-reporter-'));
  run = await everyClassRun(root);
});

/** Feeds the run as two parallel boots would: cases of both platforms interleaved, each boot ending after its cases. */
async function replay(options: Omit<GithubReporterOptions, 'write'>, summary: RunSummary = run.summary): Promise<string[]> {
  let log = '';
  const reporter = new GithubReporter({ ...options, write: (s) => (log += s) });
  reporter.onRunBegin(run.info);
  const of = (bootId: string): CaseResult[] => summary.results.filter((r) => r.bootId === bootId);
  const [x86, arm] = [of('x86-boot-1'), of('arm-boot-1')];
  for (let i = 0; i < Math.max(x86.length, arm.length); i++) {
    for (const r of [x86[i], arm[i]]) if (r) reporter.onCaseEnd(r);
    if (i === arm.length - 1) reporter.onBootEnd(summary.boots[1]!);
  }
  reporter.onBootEnd(summary.boots[0]!);
  for (const r of of('arm-boot-2')) reporter.onCaseEnd(r);
  reporter.onBootEnd(summary.boots[2]!);
  await reporter.onRunEnd(summary);
  return stripAnsi(log).split('\n').slice(0, -1);
}

describe('GithubReporter log', () => {
  it('prints each boot as one group, at its end, with only its cases inside', async () => {
    const lines = await replay({ workspace: root });
    const groups = lines.filter((l) => l.startsWith('::group::'));
    expect(groups).toEqual([
      `::group::${ARM} boot arm-boot-1: ok, 3 cases`,
      `::group::${X86} boot x86-boot-1: ok, 5 cases`,
      `::group::${ARM} boot arm-boot-2: error, 1 cases`,
    ]);
    const body = (title: string): string[] => lines.slice(lines.indexOf(title), lines.indexOf('::endgroup::', lines.indexOf(title)));
    const caseLines = (title: string) => body(title).filter((l) => /^(PASS|FAIL|SKIP|FLAKY|ERROR)/.test(l)).map((l) => l.split(' ')[0]);
    expect(caseLines(groups[0]!)).toEqual(['SKIP', 'FLAKY', 'ERROR[infra]']);
    expect(caseLines(groups[1]!)).toEqual(['PASS', 'FAIL', 'FAIL', 'ERROR[timeout]', 'ERROR[harness]']);
    expect(body(groups[2]!)).toContain('BOOT ERROR[boot] Kernel panic - not syncing: VFS');
  });

  it('fences guest text with stop-commands, so only its own lines are commands', async () => {
    const lines = await replay({ workspace: root });
    let token: string | undefined;
    for (const line of lines) {
      if (token !== undefined) {
        if (line === `::${token}::`) token = undefined;
        continue;
      }
      const stop = /^::stop-commands::([0-9a-f]{32})$/.exec(line);
      if (stop) token = stop[1];
      else expect(line, 'outside the fence').toMatch(/^::(group|endgroup|error|warning)[ :]/);
    }
    expect(token, 'every fence closed').toBeUndefined();
    // The guest's own "commands" are inside the fence, each still on a line of its own text.
    expect(lines.filter((l) => l.includes('::add-mask::')).every((l) => !l.startsWith('::add-mask'))).toBe(true);
  });

  it('annotates failed and errored cases at the test line or case.yaml, escaped', async () => {
    const annotations = (await replay({ workspace: root })).filter((l) => /^::(error|warning) /.test(l));
    expect(annotations).toEqual([
      '::warning file=cases/clock/case.yaml,title=clock on qemu%3Aarm64%3A flaky::attempt 1: planned 3, ran 1',
      '::error file=cases/pull-image/case.yaml,title=pull-image on qemu%3Aarm64%3A error (infra)::rootfs copy failed: EIO',
      '::error file=cases/hostname/files/check.sh,line=12,title=hostname on qemu%3Ax86_64%3A failed::' +
        '1 of 2 failed: "uts > name is set"%0Anot ok uts > name is set%0Agot: (none)%0Awanted: harness%0Aat:%0A  file: /case/check.sh%0A  line: 12',
      // The diagnostic points at /etc/passwd: the annotation falls back to the case's case.yaml.
      '::error file=cases/escape/case.yaml,title=escape %3A%3Aadd-mask%3A%3Ax %250A @octocat #123 <script>alert(1)</script> on qemu%3Ax86_64%3A failed::' +
        'reason with%0Anewline, comma: colon %2525 ::warning::x%0Anot ok reads outside </script><b>bold</b>%0A' +
        'file: ../../../../etc/passwd%0Aline: 3%0Amessage: "::error::injected\\r%0A%0A  ::add-mask::secret"',
      '::error file=cases/slow/case.yaml,title=slow on qemu%3Ax86_64%3A error (timeout)::timed out after 60s',
      '::error file=cases/agent-lost/case.yaml,title=agent-lost on qemu%3Ax86_64%3A error (harness)::agent connection lost mid-case',
      '::error file=cases/panic/case.yaml,title=panic on qemu%3Aarm64%3A error (boot)::Kernel panic - not syncing: VFS',
    ]);
  });

  it('still prints the cases of a boot that never ended', async () => {
    let log = '';
    const reporter = new GithubReporter({ workspace: root, write: (s) => (log += s) });
    for (const r of run.summary.results.filter((r) => r.bootId === 'arm-boot-2')) reporter.onCaseEnd(r);
    await reporter.onRunEnd({ ...run.summary, boots: [] });
    expect(stripAnsi(log)).toMatch(/^::group::boot arm-boot-2: did not finish, 1 cases\n::stop-commands::\w+\nERROR\[boot\] qemu:arm64 panic /);
  });
});

describe('GithubReporter job summary', () => {
  it('appends counts, phase medians, sizes, regressions and failures to GITHUB_STEP_SUMMARY', async () => {
    const stepSummary = join(root, 'step-summary.md');
    await writeFile(stepSummary, 'summary of an earlier step\n');
    const sizes = { [X86]: { kernel: 10 * MIB, initrd: 20 * MIB, initrdUncompressed: 60 * MIB, total: 30 * MIB, components: {} } };
    await replay({ workspace: root, stepSummary, extras: (s) => ({ sizes: s.runId === 'run-7' ? sizes : {}, regressions }) });
    const lines = (await readFile(stepSummary, 'utf8')).split('\n');
    const after = (heading: string, n: number) => lines.slice(lines.indexOf(heading) + 1, lines.indexOf(heading) + 1 + n);

    expect(lines[0]).toBe('summary of an earlier step');
    expect(lines[1]).toBe('## harness run run-7: 6 of 9 cases failed or errored');
    expect(after('', 4)).toEqual([
      '| Platform | Passed | Failed | Flaky | Skipped | Errors: infra | Errors: boot | Errors: timeout | Errors: harness |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| qemu:x86_64 | 1 | 2 | 0 | 0 | 0 | 0 | 1 | 1 |',
      '| qemu:arm64 | 0 | 0 | 1 | 1 | 1 | 1 | 0 | 0 |',
    ]);
    // Phases in the order of their medians over all boots; arm64's median of two boots is their mean.
    expect(after('### Boot phases', 7).slice(3)).toEqual([
      '| Platform | Boots | spawn | firstByte | firmware | kernel | bootloader | init | ready | firstCase | lastCaseEnd | poweroff |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| qemu:x86_64 | 1 | 0 | 60 | 300 | 420 | – | 1100 | 1900 | 2000 | 64000 | 64400 |',
      '| qemu:arm64 | 2 | 0 | 93 | – | 600 | 700 | – | 1700 | 1750 | 2800 | 3000 |',
    ]);
    expect(lines).toContain('| qemu:x86_64 | 10.00 MiB | 20.00 MiB | 60.00 MiB | 30.00 MiB |');
    expect(lines).toContain('**5 regressions, 1 improvement**');
    expect(lines.filter((l) => l.startsWith('- regression: ') || l.startsWith('- improvement: '))).toHaveLength(6);
    expect(lines).toContain('- regression: qemu-x86_64, phase init (kernel → init): 1902 ms → 2210 ms (+308 ms, +16.2 %, p = 0.0002)');

    expect(lines.filter((l) => l.startsWith('#### '))).toEqual([
      '#### hostname on qemu:x86_64: failed',
      `#### escape ::add-mask::x %0A @${WJ}octocat #${WJ}123 \\<script\\>alert(1)\\</script\\> on qemu:x86_64: failed`,
      '#### slow on qemu:x86_64: error (timeout)',
      '#### agent-lost on qemu:x86_64: error (harness)',
      '#### pull-image on qemu:arm64: error (infra)',
      '#### panic on qemu:arm64: error (boot)',
    ]);
    expect(after('#### hostname on qemu:x86_64: failed', 12)).toEqual([
      '',
      '1 of 2 failed: "uts \\> name is set"',
      '',
      'Assert: uts \\> name is set',
      '',
      '```yaml',
      'got: (none)',
      'wanted: harness',
      'at:',
      '  file: /case/check.sh',
      '  line: 12',
      '```',
    ]);
    expect(lines).toContain('reason with newline, comma: colon %25 ::warning::x');
  });

  it('writes no summary without a GITHUB_STEP_SUMMARY path', async () => {
    const lines = await replay({ workspace: root });
    expect(lines.some((l) => l.startsWith('##'))).toBe(false);
  });
});

describe('a diagnostic that holds a Markdown fence', () => {
  it('gets a longer fence, so it cannot end the code block', async () => {
    const stepSummary = join(root, 'fence.md');
    const hostname = run.summary.results.find((r) => r.caseId === 'hostname')!;
    const tap = parseTap('TAP version 14\n1..1\nnot ok 1 - fenced\n  ---\n  got: "````\\n# Heading @team"\n  ...\n');
    const only = { ...hostname, containers: [{ ...hostname.containers[0]!, tap }] };
    await replay({ workspace: root, stepSummary }, { ...run.summary, results: [only] });
    const text = await readFile(stepSummary, 'utf8');
    expect(text).toContain('`````yaml\ngot: |-\n  ````\n  # Heading @team\n`````\n');
  });
});
