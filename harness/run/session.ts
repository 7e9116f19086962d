import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BootWatch } from '../boot/boot-watch.js';
import { settlesWithin } from '../lifecycle/deadline.js';
import { DEFAULT_CAPTURE, OutputCapture } from '../collect/capture.js';
import { outputFile } from '../collect/output-files.js';
import { StreamRedactor } from '../report/redact.js';
import { classify, InfraError, InternalError, TimeoutError } from '../model/errors.js';
import { AgentLink, type LinkTimeouts } from '../guest/agent-link.js';
import { AGENT_FILE, casePayload, isAgentFile } from '../guest/bundle.js';
import { UART_UPLOAD } from '../guest/framed-upload.js';
import { judgeContainers } from '../collect/outcome.js';
import type { LeaseOrder } from './lease-order.js';
import type { PlannedSession } from '../plan/plan.js';
import { extractTapFromConsole, parseTap } from '../collect/tap.js';
import { findSuiteLine, plainSummary, suiteSummary } from '../collect/plain-summary.js';
import type { BootRecord, CaseDef, CaseResult, ContainerResult, PhaseName, Reporter } from '../model/types.js';
import type { Console, Image, Lease, Machine, MachineEnd, PayloadFile, Platform, RootfsArchive } from '../../platforms/platform.js';

export interface SessionContext {
  platform: Platform;
  accel: string;
  image: Image;
  /** Rootfs archives for targets whose image does not carry them. */
  rootfs: RootfsArchive[];
  /** The compiled agent for this arch, where it was built; shipped if the platform carries it. */
  agentd?: string;
  outDir: string;
  reporter: Reporter;
  timeouts: LinkTimeouts;
  /** Why the run is being stopped, once it is; a session cut short by that says so instead of blaming the guest. */
  stopped(): string | undefined;
  /** Aborted when the run stops: a session still waiting for its lease gives up. */
  signal: AbortSignal;
  /** Credentials redacted from the case output files as they are written. */
  secrets: readonly string[];
  /** The run collects boot-time samples (`--repeat`): every session boots for real. */
  bootSamples: boolean;
  /** The order sessions ask for leases in: the plan's, longest first. */
  leaseOrder?: LeaseOrder;
}

export interface SessionResult {
  results: CaseResult[];
  boot: BootRecord;
}

/** The record every case result of a session shares. */
function caseBase(c: CaseDef, ctx: SessionContext, session: PlannedSession): Pick<CaseResult, 'caseId' | 'name' | 'platform' | 'arch' | 'bootId' | 'repeat' | 'file' | 'labels' | 'privileged'> {
  return {
    caseId: c.id,
    name: c.name,
    platform: ctx.platform.name,
    arch: session.arch,
    bootId: session.id,
    repeat: session.repeat,
    file: c.file,
    labels: c.labels,
    privileged: c.privileged || c.capabilities.length > 0,
  };
}

/**
 * Leases a machine, starts it once and runs a session's cases; whatever happens, every case gets
 * exactly one result, the machine is ended and the lease released. The phases common to every
 * platform (first byte, kernel, init, ready, cases, end) are stamped here, never by a platform.
 */
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
  let lease: Lease | undefined;
  let machine: Machine | undefined;
  let watch: BootWatch | undefined;
  let current: CaseDef | undefined;
  let currentStart = new Date();
  try {
    if (session.arch === 'unknown') throw new InternalError(`${ctx.platform.name}: a session was planned for a target of unknown arch`);
    const agentd = session.mode === 'agent' && ctx.agentd ? await readFile(ctx.agentd) : undefined;
    const payload = session.mode === 'agent' ? [AGENT_FILE, ...(await casePayload(session.cases, session.arch, ctx.platform.name, agentd))] : [];
    await ctx.leaseOrder?.turn(bootId);
    const leasing = ctx.platform.lease({ sessionId: bootId, signal: ctx.signal });
    ctx.leaseOrder?.asked(bootId);
    lease = await leasing;
    // A console handed over while the machine starts is watched from its first line.
    let exitedOnceStarted!: (machine: Machine) => void;
    const exited = new Promise<MachineEnd>((resolve) => (exitedOnceStarted = (m) => void m.exited.then(resolve)));
    let early: { console: Console; watch: BootWatch } | undefined;
    const onConsole = (console: Console, now: () => number) => {
      console.log.onFirstByte((at) => onPhase('firstByte', at));
      early = { console, watch: new BootWatch({ id: bootId, now, exited }, console, onPhase) };
    };
    // A fresh-machine case and boot-time samples need a real boot; a saved state may stand in otherwise.
    // An image that runs its own tests does so as it boots: a state saved after that is no start for it.
    const freshBoot = ctx.bootSamples || session.mode === 'own-tests' || session.cases.some((c) => c.freshMachine);
    machine = await lease.start(ctx.image, {
      bootId,
      outDir: dir,
      payload,
      resident: payload.filter(isAgentFile),
      rootfs: ctx.rootfs,
      onPhase,
      onConsole,
      freshBoot,
      secrets: ctx.secrets,
      onTransfer: (t) => (boot.transfers ??= []).push(t),
    });
    exitedOnceStarted(machine);
    if (machine.resumed) boot.resumed = true;
    if (machine.console) {
      if (early?.console === machine.console) watch = early.watch;
      else {
        machine.console.log.onFirstByte((at) => onPhase('firstByte', at));
        watch = new BootWatch(machine, machine.console, onPhase);
      }
      // A restored guest says nothing until it is typed into: there is no boot to hear from.
      if (!machine.resumed) await firstByte(machine, machine.console, () => boot.phases.firstByte !== undefined, ctx.timeouts.firstByteMs);
    }
    if (session.mode === 'own-tests') {
      if (!machine.console || !watch) throw new InfraError(`${ctx.platform.name} has no console to read the image's own TAP from`);
      results.push(await ownTests(session.cases[0]!, machine, machine.console, watch, ctx, session));
    } else {
      const link = await startAgent(machine, watch, ctx, payload, agentd);
      if (machine.transfer.kind === 'agent') {
        const { chunkBytes, window } = machine.transfer;
        await link.put(payload.filter((f) => !isAgentFile(f)), { chunkBytes, window, maxResends: UART_UPLOAD.maxResends });
      }
      onPhase('ready', machine.now());
      boot.guest = link.hello;
      for (const c of session.cases) {
        current = c;
        currentStart = new Date();
        ctx.reporter.onCaseBegin?.(c.id, ctx.platform.name);
        if (boot.phases.firstCase === undefined) onPhase('firstCase', machine.now());
        const result = await runCase(c, link, machine, ctx, session, dir);
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
        ...caseBase(c, ctx, session),
        outcome: 'error',
        errorClass,
        reason: c === current ? boot.reason : `not run: ${boot.reason}`,
        startedAt: (c === current ? currentStart : new Date()).toISOString(),
        durationMs: c === current ? Date.now() - currentStart.getTime() : 0,
        attempts: session.attempt ?? 1,
        containers: [],
      };
      results.push(result);
      ctx.reporter.onCaseEnd?.(result);
    }
  } finally {
    if (machine) {
      const ended = await machine.end('session end');
      onPhase(machine.endPhase, ended.atMs);
    }
    await lease?.release(ctx.stopped() ? undefined : { ok: boot.outcome === 'ok', errorClass: boot.errorClass, reason: boot.reason });
    const { request, destroyed } = boot.phases;
    if (request !== undefined && destroyed !== undefined) boot.instanceSeconds = Math.round(destroyed - request) / 1000;
    if (watch) {
      Object.assign(boot.guestClock, watch.guestClock);
      boot.kernelVersion = watch.kernelVersion;
    }
    ctx.reporter.onBootEnd?.(boot);
  }
  return { results, boot };
}

/**
 * Files go up before the agent starts where the platform uploads them; then the agent, typed or
 * exec'd, which hands over to the compiled agent `agentd` when the payload carries it.
 */
async function startAgent(machine: Machine, watch: BootWatch | undefined, ctx: SessionContext, payload: PayloadFile[], agentd: Buffer | undefined): Promise<AgentLink> {
  if (machine.transfer.kind === 'upload') await machine.transfer.put(payload);
  if (machine.agent.kind === 'exec') return AgentLink.exec(machine, ctx.timeouts, agentd);
  if (!machine.console || !watch) throw new InfraError(`${ctx.platform.name}: an agent typed into a console needs a console`);
  const placed = machine.transfer.kind === 'preloaded' || (machine.transfer.kind === 'agent' && machine.transfer.residentLoaded === true);
  return AgentLink.typed(machine, machine.console, watch, ctx.timeouts, agentd, placed ? `${machine.layout.payload}/${AGENT_FILE.path}` : undefined);
}

async function runCase(c: CaseDef, link: AgentLink, machine: Machine, ctx: SessionContext, session: PlannedSession, dir: string): Promise<CaseResult> {
  const startedAt = new Date();
  const t0 = machine.now();
  const consoleStart = machine.console?.log.size;
  const containers: ContainerResult[] = [];
  const agentErrors: string[] = [];
  for (const container of c.containers) {
    const stdout = new OutputCapture(outputFile(dir, session.id, c.id, container.name, 'stdout'), DEFAULT_CAPTURE, new StreamRedactor(ctx.secrets));
    const stderr = new OutputCapture(outputFile(dir, session.id, c.id, container.name, 'stderr'), DEFAULT_CAPTURE, new StreamRedactor(ctx.secrets));
    try {
      const unit = await link.run(c.id, container.name, c.timeoutMs, { stdout: (b) => stdout.write(b), stderr: (b) => stderr.write(b) }, c.runtime);
      agentErrors.push(...unit.agentErrors);
      const exitCode = unit.exit === 'timeout' ? null : unit.exit;
      containers.push({
        name: container.name,
        exitCode,
        durationMs: unit.durationMs,
        timedOut: unit.exit === 'timeout',
        ...(c.result === 'tap' ? { tap: parseTap(stdout.tapText()) } : { result: c.result, tap: plainSummary(c.result, stdout.tapText(), exitCode) }),
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
    ...caseBase(c, ctx, session),
    ...verdict,
    // busybox unshare applies no profile wherever it runs, asked for or not.
    isolation: c.runtime === 'unshare' ? 'reduced' : link.hello.isolation,
    startedAt: startedAt.toISOString(),
    durationMs: machine.now() - t0,
    attempts: session.attempt ?? 1,
    containers,
    ...(consoleStart !== undefined && { console: { start: consoleStart, end: machine.console!.log.size } }),
  };
}

/**
 * Test images print their result on the console and power off; the harness only reads it: TAP, or
 * LinuxKit's `<name> test suite PASSED` line.
 */
async function ownTests(c: CaseDef, machine: Machine, console: Console, watch: BootWatch, ctx: SessionContext, session: PlannedSession): Promise<CaseResult> {
  const startedAt = new Date();
  ctx.reporter.onCaseBegin?.(c.id, ctx.platform.name);
  const stopped = await settlesWithin(machine.exited, c.timeoutMs);
  if (watch.failure) throw watch.failure;
  if (!stopped) throw new TimeoutError(`the image did not power off within ${c.timeoutMs} ms`, { machine: machine.id });
  const text = await readFile(console.log.path, 'utf8');
  const container: ContainerResult = { name: 'console', exitCode: null, durationMs: machine.now(), timedOut: false, ...consoleVerdict(c, text, machine.id), stdout: '', stderr: '' };
  const verdict = judgeContainers([{ ...container, exitCode: 0 }], []);
  const result: CaseResult = {
    ...caseBase(c, ctx, session),
    ...verdict,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    attempts: session.attempt ?? 1,
    containers: [container],
    console: { start: 0, end: console.log.size },
  };
  ctx.reporter.onCaseEnd?.(result);
  return result;
}

/** An image that printed no result at all ran into trouble before its tests could say anything. */
function consoleVerdict(c: CaseDef, text: string, machineId: string): Pick<ContainerResult, 'tap' | 'result'> {
  if (c.result === 'linuxkit') {
    const suite = findSuiteLine(text);
    if (!suite) throw new InfraError(`the image powered off without printing a line like "<name> test suite PASSED"`, { machine: machineId });
    return { result: 'linuxkit', tap: suiteSummary(suite) };
  }
  const tap = parseTap(extractTapFromConsole(text));
  if (tap.format === 'none') throw new InfraError('the image powered off without printing TAP', { machine: machineId });
  return { tap };
}

/** Resolves at the first console byte; nothing at all in time means the machine or its firmware never ran. */
async function firstByte(machine: Machine, console: Console, seen: () => boolean, timeoutMs: number): Promise<void> {
  if (seen()) return;
  const arrived = new Promise<'byte'>((resolve) => console.log.onFirstByte(() => resolve('byte')));
  const first = Promise.race([arrived, machine.exited]);
  if (!(await settlesWithin(first, timeoutMs))) {
    throw new InfraError(`no console output within ${timeoutMs} ms of starting the machine`, { machine: machine.id, phase: 'firstByte' });
  }
  const result = await first;
  if (result !== 'byte' && console.log.size === 0) {
    throw result.failure ?? new InfraError(`the machine ended before printing anything: ${machine.diagnostics() || result.detail}`, { machine: machine.id, phase: 'firstByte' });
  }
}
