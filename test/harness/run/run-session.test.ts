import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { AGENT_FILE } from '../../../harness/guest/bundle.js';
import type { PhaseName } from '../../../harness/model/types.js';
import type { FakeCaseScript } from '../../support/fake-machine.js';
import { fakeCase, resultOf, runFakeSession } from '../../support/fake-session.js';

const tapPass = (name: string) => `TAP version 14\n1..2\nok 1 - ${name} starts\nok 2 - ${name} works\n`;

const passes =
  (name: string): FakeCaseScript =>
  (ctx) => {
    ctx.stdout(tapPass(name));
    ctx.exit(0);
  };

/** The phases a full agent session stamps, in the order they happen. */
const PHASES: PhaseName[] = ['spawn', 'firstByte', 'kernel', 'init', 'ready', 'firstCase', 'lastCaseEnd', 'poweroff'];

describe('runSession on a fake guest', () => {
  it('keeps secrets out of the case output files on disk, even split across frames', async () => {
    const secret = 'hunter2-s3cr3t-value';
    const run = await runFakeSession([fakeCase('leaky')], {
      channel: true,
      cases: {
        leaky: async (ctx) => {
          ctx.stdout(`TAP version 14\n1..1\nok 1 - token ${secret.slice(0, 7)}`);
          ctx.stdout(`${secret.slice(7)} printed\n`);
          ctx.stderr(`also ${secret}\n`);
          ctx.exit(0);
        },
      },
    }, { secrets: [secret] });
    const dir = join(run.outDir, 'boots', 'x86_64-0-0', 'leaky');
    expect(readFileSync(join(dir, 'main.stdout'), 'utf8')).toBe('TAP version 14\n1..1\nok 1 - token [redacted] printed\n');
    expect(readFileSync(join(dir, 'main.stderr'), 'utf8')).toBe('also [redacted]\n');
    expect(JSON.stringify(run.results)).not.toContain(secret);
  });

  it('runs two cases over the channel: TAP parsed, phases in order, begin/end pairs reported', async () => {
    const run = await runFakeSession([fakeCase('alpha'), fakeCase('beta')], {
      channel: true,
      cases: {
        alpha: passes('alpha'),
        beta: async (ctx) => {
          ctx.stdout('TAP version 14\n1..2\n');
          await ctx.sleep(5);
          ctx.stderr('warning: slow disk\n');
          ctx.stdout('ok 1 - beta starts\nok 2 - beta works\n');
          ctx.exit(0);
        },
      },
    });

    expect(run.results.map((r) => [r.caseId, r.outcome])).toEqual([
      ['alpha', 'pass'],
      ['beta', 'pass'],
    ]);
    const alpha = resultOf(run, 'alpha');
    expect(alpha).toMatchObject({ name: 'case alpha', platform: 'fake:x86_64', arch: 'x86_64', bootId: 'x86_64-0-0', attempts: 1, isolation: 'full', privileged: false });
    expect(alpha.errorClass).toBeUndefined();
    expect(alpha.containers).toHaveLength(1);
    expect(alpha.containers[0]).toMatchObject({ name: 'main', exitCode: 0, timedOut: false, stdout: tapPass('alpha'), stderr: '' });
    expect(alpha.containers[0]!.tap).toMatchObject({ format: 'tap14', ok: true, counts: { total: 2, pass: 2, fail: 0 } });
    const beta = resultOf(run, 'beta');
    expect(beta.containers[0]).toMatchObject({ stdout: tapPass('beta'), stderr: 'warning: slow disk\n' });
    // The full streams are on disk too.
    expect(readFileSync(join(run.outDir, 'boots', 'x86_64-0-0', 'beta', 'main.stdout'), 'utf8')).toBe(tapPass('beta'));

    // Everything after the bootstrap went over the channel.
    expect(run.machine.agentOn).toBe('channel');
    expect(run.machine.frames.map((f) => `${f.seq} ${f.kind} ${f.via} ${f.fate}`)).toEqual([
      '0 hello channel sent',
      '1 case-begin channel sent',
      '2 stdout channel sent',
      '3 exit channel sent',
      '4 case-begin channel sent',
      '5 stdout channel sent',
      '6 stderr channel sent',
      '7 stdout channel sent',
      '8 exit channel sent',
      '9 bye channel sent',
    ]);
    expect(run.machine.typedOnChannel).toEqual(['run 1 alpha main 1\n', 'run 2 beta main 1\n', 'bye\n']);

    expect(run.boot).toMatchObject({
      id: 'x86_64-0-0',
      platform: 'fake:x86_64',
      arch: 'x86_64',
      accel: 'fake',
      caseIds: ['alpha', 'beta'],
      outcome: 'ok',
      guest: { runtime: 'fake', kernel: '6.1.0', arch: 'x86_64', channel: '/dev/vport1p1', isolation: 'full', userns: true },
    });
    expect(run.boot.errorClass).toBeUndefined();
    expect(run.boot.reason).toBeUndefined();

    const stamps = PHASES.map((p) => run.boot.phases[p]);
    expect(stamps.every((t) => typeof t === 'number'), JSON.stringify(run.boot.phases)).toBe(true);
    const [spawn, firstByte, kernel, init, ready, firstCase, lastCaseEnd, poweroff] = stamps as number[];
    expect(spawn).toBe(0);
    expect(firstByte).toBeLessThanOrEqual(kernel!);
    expect(kernel).toBeLessThan(init!);
    expect(init).toBeLessThan(ready!);
    expect(ready).toBeLessThan(firstCase!);
    expect(firstCase).toBeLessThan(lastCaseEnd!);
    expect(lastCaseEnd).toBeLessThanOrEqual(poweroff!);

    // Every phase reported once, in the order it happened, all before onBootEnd; lastCaseEnd moves
    // with each case and the record keeps the last stamp.
    const reported = run.reporter.events.flatMap((e) => (e.hook === 'onBootPhase' ? [e] : []));
    expect(reported.map((e) => e.phase)).toEqual(['spawn', 'firstByte', 'kernel', 'init', 'ready', 'firstCase', 'lastCaseEnd', 'lastCaseEnd', 'poweroff']);
    expect(reported.filter((e) => e.phase === 'lastCaseEnd').at(-1)?.atMs).toBe(lastCaseEnd);
    expect(run.reporter.outline()).toEqual([
      'onBootBegin',
      'onCaseBegin:alpha',
      'onCaseEnd:alpha',
      'onCaseBegin:beta',
      'onCaseEnd:beta',
      'onBootEnd',
    ]);
    expect(run.reporter.events.at(-1)).toMatchObject({ hook: 'onBootEnd', record: run.boot });

    // The guest powered itself off after bye; the session still shut the machine down once.
    await expect(run.machine.exited).resolves.toMatchObject({ clean: true, detail: 'fake powered off' });
    expect(run.machine.shutdowns).toEqual(['session end']);
    const log = readFileSync(run.boot.consoleLog, 'utf8');
    expect(log).toContain('Linux version 6.1.0');
    expect(log).toContain('reboot: Power down');
    expect(log).not.toContain(run.machine.nonce!);
  });

  describe.each([{ chunkBytes: undefined }, { chunkBytes: 7 }, { chunkBytes: 1 }])(
    'frames over the console (chunks of $chunkBytes bytes)',
    ({ chunkBytes }) => {
      it('keeps kernel lines out of the case output, even a partial line right before a frame', async () => {
        const run = await runFakeSession([fakeCase('noisy'), fakeCase('after')], {
          channel: false,
          chunkBytes,
          cases: {
            noisy: (ctx) => {
              ctx.printk('random: crng init done');
              ctx.stdout('TAP version 14\n1..2\n');
              // Between two stdout frames of the case.
              ctx.printk('virtio_net virtio0 eth0: link becomes ready');
              ctx.stdout('ok 1 - first\n');
              // A printk line cut before its newline: the next frame starts on the same line.
              ctx.rawConsole('[    2.345678] audit: type=1400 apparmor="DENIED"');
              ctx.stdout('ok 2 - second\n');
              ctx.printk('EXT4-fs (vda): mounted filesystem');
              ctx.exit(0);
            },
            after: passes('after'),
          },
        });

        expect(run.machine.agentOn).toBe('console');
        expect(run.machine.frames.every((f) => f.via === 'console' && f.fate === 'sent')).toBe(true);
        expect(run.machine.typedOnConsole.slice(-3)).toEqual(['run 1 noisy main 1\n', 'run 2 after main 1\n', 'bye\n']);
        expect(run.boot.guest).toMatchObject({ runtime: 'fake', channel: 'console' });

        const noisy = resultOf(run, 'noisy');
        expect(noisy.outcome).toBe('pass');
        expect(noisy.containers[0]!.stdout).toBe('TAP version 14\n1..2\nok 1 - first\nok 2 - second\n');
        expect(noisy.containers[0]!.stderr).toBe('');
        expect(noisy.containers[0]!.tap.counts).toMatchObject({ total: 2, pass: 2 });
        expect(resultOf(run, 'after')).toMatchObject({ outcome: 'pass' });
        expect(resultOf(run, 'after').containers[0]!.stdout).toBe(tapPass('after'));

        // The noise is kept in the console log, next to the frames.
        const log = readFileSync(run.boot.consoleLog, 'utf8');
        expect(log).toContain('eth0: link becomes ready\r\n');
        expect(log).toMatch(new RegExp(`apparmor="DENIED"${run.machine.nonce!} \\d+ stdout `));
        expect(run.boot.outcome).toBe('ok');
      });
    },
  );

  it('talks over the console when the guest has no port for the channel the host offers', async () => {
    const run = await runFakeSession([fakeCase('fallback')], { channel: true, portMissing: true, cases: { fallback: passes('fallback') } });

    expect(resultOf(run, 'fallback').outcome).toBe('pass');
    expect(run.machine.agentOn).toBe('console');
    // The host asked for its port; the commands then followed the agent to the console.
    expect(run.machine.typedOnConsole.find((t) => t.startsWith('exec sh '))).toMatch(/ chan=virtio:harness\.0 /);
    expect(run.machine.typedOnChannel).toEqual([]);
    expect(run.machine.typedOnConsole.slice(-2)).toEqual(['run 1 fallback main 1\n', 'bye\n']);
    expect(run.boot.guest?.channel).toBe('console');
  });

  it('ships the compiled agent with the case files, passes a case\'s runtime on, and reports unshare as reduced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-agentd-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const binary = join(dir, 'harness-agentd');
    writeFileSync(binary, 'not really an ELF');
    const cases = [fakeCase('plain'), fakeCase('bare', { runtime: 'unshare' })];
    const scripts = { cases: { plain: passes('plain'), bare: passes('bare') } };
    const carried = await runFakeSession(cases, scripts, { agentd: binary });
    expect(carried.platform.boots[0]!.payload.find((f) => f.path.startsWith('bin/harness-agentd'))).toMatchObject({ path: 'bin/harness-agentd-x86_64', mode: 0o755, data: Buffer.from('not really an ELF') });
    expect(carried.machine.typedOnConsole.slice(-3)).toEqual(['run 1 plain main 1\n', 'run 2 bare main 1 unshare\n', 'bye\n']);
    // The fake guest runs no compiled agent: agent.sh kept the cases.
    expect(carried.boot.guest?.agent).toBe('sh');
    expect(resultOf(carried, 'plain').isolation).toBe('full');
    expect(resultOf(carried, 'bare').isolation).toBe('reduced');
  });

  it('runs the agent.sh a preloaded payload carries, typing only the command that starts it', async () => {
    const run = await runFakeSession([fakeCase('one')], { channel: true, cases: { one: passes('one') } });
    expect(run.platform.boots[0]!.resident).toContainEqual(AGENT_FILE);
    expect(run.machine.typedOnConsole.some((typed) => typed.includes('<<'))).toBe(false);
    expect(run.machine.typedOnConsole.find((typed) => typed.startsWith('exec '))).toMatch(/^exec sh \/harness\/bin\/harness-agent\.sh chan=virtio:/);
    expect(resultOf(run, 'one').outcome).toBe('pass');
  });

  it('probes an image that prints no ready marker until its shell answers', async () => {
    // Only the probe's interval is faked; the guest and the host's timeouts keep real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const run = await runFakeSession(
      [fakeCase('probed')],
      { channel: true, readyMarker: false, cases: { probed: passes('probed') } },
      {
        onBoot: (machine) => {
          void machine.shellStarted.then(() => {
            machine.advanceClock(3500); // past the quiet time after init
            vi.advanceTimersByTime(2000); // one tick of the probe
          });
        },
      },
    );

    expect(resultOf(run, 'probed').outcome).toBe('pass');
    expect(run.machine.typedOnConsole[0]).toBe('echo harness-""probe\n');
    expect(run.machine.typedOnConsole[1]).toMatch(/^stty -echo;.*echo harness-""bootstrapped\n$/);
    const log = readFileSync(run.boot.consoleLog, 'utf8');
    expect(log).not.toContain('harness-init: ready');
    // The echoed command, then the shell's answer.
    expect(log).toContain('/ # echo harness-""probe\r\nharness-probe\r\n');
    expect(run.boot.phases.ready).toBeGreaterThan(run.boot.phases.init! + 3000);
    expect(run.boot.outcome).toBe('ok');
  });

  it('fails a case whose TAP passes but whose container exits 3, and one whose TAP fails with exit 0', async () => {
    const run = await runFakeSession([fakeCase('bad-exit'), fakeCase('bad-tap'), fakeCase('fine')], {
      channel: true,
      cases: {
        'bad-exit': (ctx) => {
          ctx.stdout(tapPass('bad-exit'));
          ctx.exit(3);
        },
        'bad-tap': (ctx) => {
          ctx.stdout('TAP version 14\n1..2\nok 1 - mounts\nnot ok 2 - resolves dns\n');
          ctx.exit(0);
        },
        fine: passes('fine'),
      },
    });

    const badExit = resultOf(run, 'bad-exit');
    expect(badExit).toMatchObject({ outcome: 'fail' });
    expect(badExit.errorClass).toBeUndefined();
    expect(badExit.reason).toMatch(/exit code 3/);
    expect(badExit.containers[0]).toMatchObject({ exitCode: 3, timedOut: false });
    expect(badExit.containers[0]!.tap.ok).toBe(true);

    const badTap = resultOf(run, 'bad-tap');
    expect(badTap).toMatchObject({ outcome: 'fail' });
    expect(badTap.reason).toMatch(/resolves dns/);
    expect(badTap.reason).not.toMatch(/exit code/);
    expect(badTap.containers[0]!.exitCode).toBe(0);

    // A failing case is the image's verdict, not the boot's: the session goes on.
    expect(resultOf(run, 'fine').outcome).toBe('pass');
    expect(run.boot.outcome).toBe('ok');
  });

  it('skips a case whose TAP skips everything and exits 0', async () => {
    const run = await runFakeSession([fakeCase('needs-kvm')], {
      channel: true,
      cases: {
        'needs-kvm': (ctx) => {
          ctx.stdout('TAP version 14\n1..0 # SKIP no kvm\n');
          ctx.exit(0);
        },
      },
    });

    expect(resultOf(run, 'needs-kvm')).toMatchObject({ outcome: 'skip', reason: 'no kvm' });
  });

  it('reports a container the agent could not set up as an infra error and goes on', async () => {
    const run = await runFakeSession([fakeCase('no-rootfs'), fakeCase('next')], {
      channel: true,
      cases: {
        'no-rootfs': (ctx) => {
          ctx.error('rootfs alpine: no such rootfs in the image: /containers/alpine/rootfs');
          ctx.exit(125);
        },
        next: passes('next'),
      },
    });

    const broken = resultOf(run, 'no-rootfs');
    expect(broken).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(broken.reason).toMatch(/^container setup failed: rootfs alpine: no such rootfs/);
    expect(resultOf(run, 'next').outcome).toBe('pass');
    expect(run.boot.outcome).toBe('ok');
  });
});
