import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BootWatch } from '../boot/boot-watch.js';
import { settlesWithin } from '../lifecycle/deadline.js';
import { OutputCapture } from '../collect/capture.js';
import { classify, InfraError, TimeoutError } from '../model/errors.js';
import { AgentLink, type LinkTimeouts } from '../guest/agent-link.js';
import { casePayload } from '../guest/bundle.js';
import { judgeContainers } from '../collect/outcome.js';
import type { PlannedSession } from '../plan/plan.js';
import { extractTapFromConsole, parseTap } from '../collect/tap.js';
import type { BootRecord, CaseDef, CaseResult, ContainerResult, PhaseName, Reporter } from '../model/types.js';
import type { Image, Machine, Platform } from '../../platforms/platform.js';

export interface SessionContext {
  platform: Platform;
  accel: string;
  image: Image;
  outDir: string;
  reporter: Reporter;
  timeouts: LinkTimeouts;
  /** Why the run is being stopped, once it is; a session cut short by that says so instead of blaming the guest. */
  stopped(): string | undefined;
}

export interface SessionResult {
  results: CaseResult[];
  boot: BootRecord;
}

/** Boots once and runs a session's cases; whatever happens, every case gets exactly one result. */
export async function runSession(session: PlannedSession, ctx: SessionContext): Promise<SessionResult> {
  const bootId = session.id;
  const dir = join(ctx.outDir, 'boots');
  await mkdir(dir, { recursive: true });
  ctx.reporter.onBootBegin?.(bootId, ctx.platform.name);
  const results: CaseResult[] = [];
  const boot: BootRecord = {
    id: bootId,
    platform: ctx.platform.name,
    arch: session.arch,
    accel: ctx.accel,
    image: ctx.image.name,
    phases: {},
    consoleLog: join(dir, `${bootId}.console.log`),
    caseIds: session.cases.map((c) => c.id),
    guestClock: {},
    repeat: session.repeat,
    outcome: 'ok',
  };
  // Every phase keeps its first stamp except lastCaseEnd, which moves with each case.
  const onPhase = (phase: PhaseName, atMs: number) => {
    if (boot.phases[phase] !== undefined && phase !== 'lastCaseEnd') return;
    boot.phases[phase] = atMs;
    ctx.reporter.onBootPhase?.(bootId, phase, atMs);
  };
  let machine: Machine | undefined;
  let watch: BootWatch | undefined;
  let current: CaseDef | undefined;
  let currentStart = new Date();
  try {
    const payload = session.mode === 'agent' ? await casePayload(session.cases, session.arch, ctx.platform.name) : [];
    machine = await ctx.platform.boot(ctx.image, { bootId, outDir: dir, payload, onPhase });
    watch = new BootWatch(machine, onPhase);
    await firstByte(machine, () => boot.phases.firstByte !== undefined, ctx.timeouts.firstByteMs);
    if (session.mode === 'own-tests') {
      results.push(await ownTests(session.cases[0]!, machine, watch, ctx, session));
    } else {
      const link = await AgentLink.connect(machine, watch, ctx.timeouts);
      boot.guest = link.hello;
      for (const c of session.cases) {
        current = c;
        currentStart = new Date();
        ctx.reporter.onCaseBegin?.(c.id, ctx.platform.name);
        if (boot.phases.firstCase === undefined) onPhase('firstCase', machine.now());
        const result = await runCase(c, link, machine, ctx, session, join(dir, bootId));
        onPhase('lastCaseEnd', machine.now());
        results.push(result);
        ctx.reporter.onCaseEnd?.(result);
        current = undefined;
      }
      await link.bye();
    }
  } catch (error) {
    const interrupted = ctx.stopped();
    const errorClass = interrupted ? 'infra' : classify(error);
    const message = interrupted ? `interrupted: ${interrupted}` : error instanceof Error ? error.message : String(error);
    const diagnostics = machine?.diagnostics();
    boot.outcome = 'error';
    boot.errorClass = errorClass;
    boot.reason = diagnostics ? `${message} (${diagnostics.split('\n').pop()})` : message;
    for (const c of session.cases.filter((c) => !results.some((r) => r.caseId === c.id))) {
      const result: CaseResult = {
        caseId: c.id,
        name: c.name,
        platform: ctx.platform.name,
        arch: session.arch,
        bootId,
        repeat: session.repeat,
        outcome: 'error',
        errorClass,
        reason: c === current ? boot.reason : `not run: ${boot.reason}`,
        startedAt: (c === current ? currentStart : new Date()).toISOString(),
        durationMs: c === current ? Date.now() - currentStart.getTime() : 0,
        attempts: 1,
        containers: [],
      };
      results.push(result);
      ctx.reporter.onCaseEnd?.(result);
    }
  } finally {
    if (machine) {
      const stopped = await machine.shutdown('session end');
      onPhase('poweroff', stopped.poweroffAtMs);
    }
    if (watch) {
      Object.assign(boot.guestClock, watch.guestClock);
      boot.kernelVersion = watch.kernelVersion;
    }
    ctx.reporter.onBootEnd?.(boot);
  }
  return { results, boot };
}

async function runCase(c: CaseDef, link: AgentLink, machine: Machine, ctx: SessionContext, session: PlannedSession, prefix: string): Promise<CaseResult> {
  const startedAt = new Date();
  const t0 = machine.now();
  const containers: ContainerResult[] = [];
  const agentErrors: string[] = [];
  for (const container of c.containers) {
    const stdout = new OutputCapture(`${prefix}.${c.id}.${container.name}.stdout`);
    const stderr = new OutputCapture(`${prefix}.${c.id}.${container.name}.stderr`);
    try {
      const unit = await link.run(c.id, container.name, c.timeoutMs, { stdout: (b) => stdout.write(b), stderr: (b) => stderr.write(b) });
      agentErrors.push(...unit.agentErrors);
      containers.push({
        name: container.name,
        exitCode: unit.exit === 'timeout' ? null : unit.exit,
        durationMs: unit.durationMs,
        timedOut: unit.exit === 'timeout',
        tap: parseTap(stdout.tapText()),
        stdout: stdout.tailText(),
        stderr: stderr.tailText(),
      });
    } finally {
      stdout.close();
      stderr.close();
    }
  }
  const verdict = judgeContainers(containers, agentErrors);
  return {
    caseId: c.id,
    name: c.name,
    platform: ctx.platform.name,
    arch: session.arch,
    bootId: session.id,
    repeat: session.repeat,
    ...verdict,
    startedAt: startedAt.toISOString(),
    durationMs: machine.now() - t0,
    attempts: 1,
    containers,
  };
}

/** LinuxKit-style test images print TAP on the console and power off; the harness only reads it. */
async function ownTests(c: CaseDef, machine: Machine, watch: BootWatch, ctx: SessionContext, session: PlannedSession): Promise<CaseResult> {
  const startedAt = new Date();
  ctx.reporter.onCaseBegin?.(c.id, ctx.platform.name);
  const stopped = await settlesWithin(machine.exited, c.timeoutMs);
  if (watch.failure) throw watch.failure;
  if (!stopped) throw new TimeoutError(`the image did not power off within ${c.timeoutMs} ms`, { machine: machine.id });
  const text = await readFile(machine.console.log.path, 'utf8');
  const tap = parseTap(extractTapFromConsole(text));
  if (tap.format === 'none') throw new InfraError('the image powered off without printing TAP', { machine: machine.id });
  const container: ContainerResult = { name: 'console', exitCode: null, durationMs: machine.now(), timedOut: false, tap, stdout: '', stderr: '' };
  const verdict = judgeContainers([{ ...container, exitCode: 0 }], []);
  const result: CaseResult = {
    caseId: c.id,
    name: c.name,
    platform: ctx.platform.name,
    arch: ctx.platform.arch,
    bootId: session.id,
    repeat: session.repeat,
    ...verdict,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    attempts: 1,
    containers: [container],
  };
  ctx.reporter.onCaseEnd?.(result);
  return result;
}

/** Resolves at the first console byte; nothing at all in time means QEMU or its firmware never ran. */
async function firstByte(machine: Machine, seen: () => boolean, timeoutMs: number): Promise<void> {
  if (seen()) return;
  let off = () => {};
  const arrived = new Promise<'byte'>((resolve) => {
    off = machine.console.onData(() => resolve('byte'));
  });
  const first = Promise.race([arrived, machine.exited]);
  try {
    if (!(await settlesWithin(first, timeoutMs))) {
      throw new InfraError(`no console output within ${timeoutMs} ms of starting the machine`, { machine: machine.id, phase: 'firstByte' });
    }
    const result = await first;
    if (result !== 'byte' && !seen()) {
      throw result.failure ?? new InfraError(`QEMU exited before printing anything: ${machine.diagnostics() || `exit ${result.exitCode}`}`, { machine: machine.id, phase: 'firstByte' });
    }
  } finally {
    off();
  }
}
