import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../../harness/model/types.js';
import type { FakeCaseScript } from '../../support/fake-machine.js';
import { fakeCase, resultOf, runFakeSession, SMALL_TIMEOUTS, type FakeSessionRun } from '../../support/fake-session.js';

const TAP = 'TAP version 14\n1..1\nok 1 - works\n';

const passes: FakeCaseScript = (ctx) => {
  ctx.stdout(TAP);
  ctx.exit(0);
};

/** The cases after the one that broke the boot: never sent to the guest, each an error of the same class. */
function expectNotRun(run: FakeSessionRun, caseIds: string[], errorClass: CaseResult['errorClass']): void {
  for (const id of caseIds) {
    const result = resultOf(run, id);
    expect(result).toMatchObject({ outcome: 'error', errorClass, durationMs: 0, containers: [] });
    expect(result.reason).toBe(`not run: ${run.boot.reason}`);
  }
  const sent = run.machine.runs.map((r) => r.caseId);
  for (const id of caseIds) expect(sent).not.toContain(id);
}

/** The session gave up: the boot is an error and the machine was shut down, exactly once. */
function expectBootFailed(run: FakeSessionRun, errorClass: CaseResult['errorClass']): void {
  expect(run.boot).toMatchObject({ outcome: 'error', errorClass });
  expect(run.machine.shutdowns).toEqual(['session end']);
  expect(run.machine.isGone).toBe(true);
  expect(run.boot.phases.poweroff).toBeTypeOf('number');
  expect(run.reporter.outline().at(-1)).toBe('onBootEnd');
  expect(run.results.map((r) => r.caseId)).toEqual(run.boot.caseIds);
}

describe.each([
  { transport: 'channel', channel: true },
  { transport: 'console', channel: false },
])('runSession when the guest breaks (frames over the $transport)', ({ channel }) => {
  it('stops at a corrupted frame: that case is an infra error, the later ones are not run', async () => {
    const run = await runFakeSession([fakeCase('first'), fakeCase('broken'), fakeCase('later-1'), fakeCase('later-2')], {
      channel,
      cases: {
        first: passes,
        broken: (ctx) => {
          ctx.stdout('TAP version 14\n');
          ctx.corruptNext();
          ctx.stdout('1..1\nok 1 - works\n');
          ctx.exit(0);
        },
        'later-1': passes,
        'later-2': passes,
      },
    });

    expect(run.machine.frames.filter((f) => f.fate !== 'sent').map((f) => `${f.kind} ${f.fate}`)).toEqual(['stdout corrupted']);
    expect(resultOf(run, 'first').outcome).toBe('pass');
    const broken = resultOf(run, 'broken');
    expect(broken).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(broken.reason).toMatch(/^agent channel crc error/);
    expectNotRun(run, ['later-1', 'later-2'], 'infra');
    expect(run.machine.runs.map((r) => r.caseId)).toEqual(['first', 'broken']);
    expectBootFailed(run, 'infra');
    expect(run.reporter.outline()).toEqual([
      'onBootBegin',
      'onCaseBegin:first',
      'onCaseEnd:first',
      'onCaseBegin:broken',
      'onCaseEnd:broken',
      'onCaseEnd:later-1',
      'onCaseEnd:later-2',
      'onBootEnd',
    ]);
  });

  it('stops at a sequence gap: that case is an infra error, the later ones are not run', async () => {
    const run = await runFakeSession([fakeCase('gappy'), fakeCase('later')], {
      channel,
      cases: {
        gappy: (ctx) => {
          ctx.stdout('TAP version 14\n');
          ctx.skipSeq();
          ctx.stdout('1..1\n');
          ctx.stdout('ok 1 - works\n');
          ctx.exit(0);
        },
        later: passes,
      },
    });

    expect(run.machine.frames.filter((f) => f.fate !== 'sent').map((f) => `${f.kind} ${f.fate}`)).toEqual(['stdout dropped']);
    const gappy = resultOf(run, 'gappy');
    expect(gappy).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(gappy.reason).toMatch(/^agent channel gap error/);
    expectNotRun(run, ['later'], 'infra');
    expectBootFailed(run, 'infra');
  });

  it.each([
    {
      damage: 'a lost frame',
      script: ((ctx) => {
        ctx.stdout(TAP);
        ctx.skipSeq();
        ctx.stderr('lost\n');
        ctx.stderr('reported as the gap\n');
        ctx.exit(0);
      }) as FakeCaseScript,
    },
    {
      damage: 'a corrupted frame',
      script: ((ctx) => {
        ctx.stdout('TAP version 14\n');
        ctx.corruptNext();
        ctx.stdout('1..2\n');
        ctx.stdout('ok 1 - reported as a gap\n');
        ctx.stdout('ok 2 - after the damage\n');
        ctx.exit(0);
      }) as FakeCaseScript,
    },
  ])('never judges a case after $damage in its stream, nor blames the next case for it', async ({ script }) => {
    const run = await runFakeSession([fakeCase('damaged'), fakeCase('innocent')], { channel, cases: { damaged: script, innocent: passes } });

    const damaged = resultOf(run, 'damaged');
    expect(damaged, JSON.stringify(damaged)).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(damaged.reason).toMatch(/^agent channel (gap|crc) error/);
    expectNotRun(run, ['innocent'], 'infra');
    expectBootFailed(run, 'infra');
  });

  it('reports a kernel panic in the middle of a case as a boot error', async () => {
    const run = await runFakeSession([fakeCase('panicky'), fakeCase('later')], {
      channel,
      cases: {
        panicky: async (ctx) => {
          ctx.stdout('TAP version 14\n1..2\nok 1 - before the panic\n');
          await ctx.sleep(5);
          return ctx.panic();
        },
        later: passes,
      },
    });

    const panicky = resultOf(run, 'panicky');
    expect(panicky).toMatchObject({ outcome: 'error', errorClass: 'boot' });
    expect(panicky.reason).toMatch(/panic/);
    expect(panicky.reason).toContain('Kernel panic - not syncing: fake');
    expectNotRun(run, ['later'], 'boot');
    expectBootFailed(run, 'boot');
    // Seen on the console before the machine went away: the reason is the panic, not the exit.
    expect(run.boot.reason).toMatch(/^kernel panic: Kernel panic - not syncing: fake/);
    expect(readFileSync(run.boot.consoleLog, 'utf8')).toContain('Kernel panic - not syncing: fake\r\n');
  });

  it('reports a guest that dies without a word in the middle of a case as a boot error', async () => {
    const run = await runFakeSession([fakeCase('dies'), fakeCase('later')], {
      channel,
      diagnostics: 'qemu-system-x86_64: warning: host doesn\'t support requested feature\nqemu-system-x86_64: terminating on signal 9',
      cases: {
        dies: (ctx) => {
          ctx.stdout('TAP version 14\n');
          return ctx.die();
        },
        later: passes,
      },
    });

    const dies = resultOf(run, 'dies');
    expect(dies).toMatchObject({ outcome: 'error', errorClass: 'boot' });
    expect(dies.reason).toMatch(/^the guest stopped unexpectedly/);
    // The platform's last word is kept with the reason.
    expect(run.boot.reason).toBe('the guest stopped unexpectedly (fake killed by SIGKILL) (qemu-system-x86_64: terminating on signal 9)');
    expectNotRun(run, ['later'], 'boot');
    expectBootFailed(run, 'boot');
    await expect(run.machine.exited).resolves.toMatchObject({ clean: false, detail: 'fake killed by SIGKILL' });
  });

  it('gives up on a case that hangs past its timeout and the grace, as a timeout', async () => {
    const started = performance.now();
    const run = await runFakeSession([fakeCase('hangs', { timeoutMs: 200 }), fakeCase('later')], {
      channel,
      cases: {
        hangs: (ctx) => {
          ctx.stdout('TAP version 14\n1..1\n');
          return ctx.hang();
        },
        later: passes,
      },
    });

    const hangs = resultOf(run, 'hangs');
    expect(hangs).toMatchObject({ outcome: 'error', errorClass: 'timeout' });
    expect(hangs.reason).toMatch(/^timed out waiting for case hangs\/main to finish/);
    // The host waited for the case's timeout plus the grace before it gave up.
    expect(hangs.durationMs).toBeGreaterThanOrEqual(200 + SMALL_TIMEOUTS.caseGraceMs - 20);
    expect(run.machine.runs).toEqual([{ unit: 1, caseId: 'hangs', container: 'main', timeoutSecs: 1 }]);
    expectNotRun(run, ['later'], 'timeout');
    expectBootFailed(run, 'timeout');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('runSession when the agent misbehaves', () => {
  it('reports an agent that never says hello as a boot error on every case', async () => {
    const run = await runFakeSession([fakeCase('one'), fakeCase('two')], { channel: true, silentAgent: true, cases: { one: passes, two: passes } });

    expect(run.boot.reason).toBe(`the agent did not say hello within ${SMALL_TIMEOUTS.agentMs} ms`);
    expectNotRun(run, ['one', 'two'], 'boot');
    expectBootFailed(run, 'boot');
    expect(run.boot.guest).toBeUndefined();
    expect(run.machine.runs).toEqual([]);
    // The session never got as far as a case.
    expect(run.reporter.outline()).toEqual(['onBootBegin', 'onCaseEnd:one', 'onCaseEnd:two', 'onBootEnd']);
    expect(run.boot.phases.ready).toBeTypeOf('number');
    expect(run.boot.phases.firstCase).toBeUndefined();
  });

  it('reports an agent exit of "timeout" as a timeout of that case and goes on', async () => {
    const run = await runFakeSession([fakeCase('slow'), fakeCase('next')], {
      channel: true,
      cases: {
        slow: (ctx) => {
          ctx.stdout('TAP version 14\n1..3\nok 1 - one\n');
          ctx.stderr('still working\n');
          ctx.exit('timeout');
        },
        next: passes,
      },
    });

    const slow = resultOf(run, 'slow');
    expect(slow).toMatchObject({ outcome: 'error', errorClass: 'timeout', reason: 'container main timed out' });
    expect(slow.containers[0]).toMatchObject({ exitCode: null, timedOut: true, stdout: 'TAP version 14\n1..3\nok 1 - one\n', stderr: 'still working\n' });
    // The agent killed the container itself: the link is fine and the next case runs.
    expect(resultOf(run, 'next').outcome).toBe('pass');
    expect(run.boot.outcome).toBe('ok');
  });

  it('refuses an agent that arrived damaged over the console', async () => {
    const run = await runFakeSession([fakeCase('one')], { channel: true, damageAgent: true, cases: { one: passes } });

    expect(run.boot.reason).toMatch(/^the agent arrived damaged \(crc32 [0-9a-f]{8}, sent [0-9a-f]{8}\)$/);
    expectNotRun(run, ['one'], 'infra');
    expectBootFailed(run, 'infra');
    expect(run.machine.runs).toEqual([]);
  });

  // A result belongs to the case the host asked for, or it is no result at all.
  it('refuses a case-begin that names another case than the one asked for, and forges nothing', async () => {
    const run = await runFakeSession([fakeCase('asked'), fakeCase('later')], {
      channel: true,
      beginAs: (unit, caseId, container) => (caseId === 'asked' ? `${unit} later ${container}` : `${unit} ${caseId} ${container}`),
      cases: { asked: passes, later: passes },
    });

    expect(resultOf(run, 'asked')).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(resultOf(run, 'asked').reason).toContain('the agent began "1 later main", not the asked-for "1 asked main"');
    expectNotRun(run, ['later'], 'infra');
  });

  it('refuses an exit frame for another unit than the running one', async () => {
    const run = await runFakeSession([fakeCase('one')], { channel: true, exitUnit: (unit) => unit + 1, cases: { one: passes } });

    expect(resultOf(run, 'one')).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(resultOf(run, 'one').reason).toContain('exit frame "2 0" does not belong to unit 1');
  });
});
