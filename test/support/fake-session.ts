/**
 * Runs the real runSession against a FakeMachine: a Platform whose boot() returns the fake, inline
 * case definitions that need no files on disk, and a reporter that records every event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { LinkTimeouts } from '../../harness/guest/agent-link.js';
import type { PlannedSession } from '../../harness/plan/plan.js';
import { DEFAULT_TIMEOUTS } from '../../harness/run/run-targets.js';
import { runSession, type SessionResult } from '../../harness/run/session.js';
import type { BootRecord, CaseDef, CaseResult, PhaseName, Reporter } from '../../harness/model/types.js';
import type { Capabilities, Image, Lease, Platform, StartOptions } from '../../platforms/platform.js';
import { FakeMachine, type FakeMachineOptions } from './fake-machine.js';

/** Small enough that every failure path ends well within a second or two. */
export const SMALL_TIMEOUTS: LinkTimeouts = { ...DEFAULT_TIMEOUTS, firstByteMs: 500, readyMs: 2000, agentMs: 500, caseGraceMs: 300, shutdownMs: 500 };

const IMAGE: Image = { kind: 'kernel', name: 'fake', kernel: '/nonexistent/fake-kernel', initrd: '/nonexistent/fake-initrd.img', cmdline: 'console=ttyS0' };

/** A one-container case with no files; `extra` overrides any field. */
export function fakeCase(id: string, extra: Partial<CaseDef> = {}): CaseDef {
  return {
    id,
    dir: `/nonexistent/cases/${id}`,
    file: `/nonexistent/cases/${id}/case.yaml`,
    name: `case ${id}`,
    summary: '',
    labels: [],
    arch: ['x86_64'],
    platforms: ['qemu'],
    timeoutMs: 1000,
    freshMachine: false,
    imageRunsOwnTests: false, result: 'tap',
    containers: [{ name: 'main', rootfs: 'alpine', run: ['/case/test.sh'], env: {} }],
    files: [],
    privileged: false,
    capabilities: [],
    ...extra,
  };
}

export type ReporterEvent =
  | { hook: 'onBootBegin'; bootId: string; platform: string }
  | { hook: 'onBootPhase'; bootId: string; phase: PhaseName; atMs: number }
  | { hook: 'onCaseBegin'; caseId: string; platform: string }
  | { hook: 'onCaseEnd'; result: CaseResult }
  | { hook: 'onBootEnd'; record: BootRecord };

export class RecordingReporter implements Reporter {
  readonly events: ReporterEvent[] = [];
  onBootBegin(bootId: string, platform: string): void {
    this.events.push({ hook: 'onBootBegin', bootId, platform });
  }
  onBootPhase(bootId: string, phase: PhaseName, atMs: number): void {
    this.events.push({ hook: 'onBootPhase', bootId, phase, atMs });
  }
  onCaseBegin(caseId: string, platform: string): void {
    this.events.push({ hook: 'onCaseBegin', caseId, platform });
  }
  onCaseEnd(result: CaseResult): void {
    this.events.push({ hook: 'onCaseEnd', result });
  }
  onBootEnd(record: BootRecord): void {
    this.events.push({ hook: 'onBootEnd', record });
  }
  /** `hook` or `hook:caseId`, phases left out: the shape of the run. */
  outline(): string[] {
    return this.events
      .filter((e) => e.hook !== 'onBootPhase')
      .map((e) => (e.hook === 'onCaseBegin' ? `${e.hook}:${e.caseId}` : e.hook === 'onCaseEnd' ? `${e.hook}:${e.result.caseId}` : e.hook));
  }
}

/** Boots FakeMachines; every boot gets the same guest script. */
export class FakePlatform implements Platform {
  readonly name = 'fake:x86_64';
  readonly kind = 'qemu' as const;
  readonly arch = 'x86_64' as const;
  readonly runs = 'kernel' as const;
  readonly machines: FakeMachine[] = [];
  readonly boots: StartOptions[] = [];
  /** Leases taken and released, in order. */
  readonly leases: string[] = [];

  constructor(
    private readonly guest: Omit<FakeMachineOptions, 'id' | 'outDir' | 'onPhase'>,
    private readonly onBoot: (machine: FakeMachine) => void = () => {},
  ) {}

  async probe(): Promise<Capabilities> {
    return { available: true, arch: 'x86_64', accel: 'fake', notes: [] };
  }

  async lease(): Promise<Lease> {
    this.leases.push('take');
    let released = false;
    return {
      what: 'fake slot',
      start: async (_image: Image, options: StartOptions) => {
        this.boots.push(options);
        const machine = new FakeMachine({ ...this.guest, id: options.bootId, outDir: options.outDir, onPhase: options.onPhase, payload: options.payload });
        this.machines.push(machine);
        this.onBoot(machine);
        return machine;
      },
      release: async () => {
        if (released) return;
        released = true;
        this.leases.push('release');
      },
    };
  }
}

export interface FakeSessionRun extends SessionResult {
  machine: FakeMachine;
  platform: FakePlatform;
  reporter: RecordingReporter;
  outDir: string;
}

/** A temp directory removed when the current test finishes. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-session-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs one agent session of `cases` on a fake guest. `onBoot` sees the machine as soon as it exists,
 * while the session runs (to move its clock, say).
 */
export async function runFakeSession(
  cases: CaseDef[],
  guest: Omit<FakeMachineOptions, 'id' | 'outDir' | 'onPhase'>,
  options: {
    timeouts?: Partial<LinkTimeouts>;
    onBoot?: (machine: FakeMachine) => void;
    stopped?: () => string | undefined;
    secrets?: string[];
    /** A compiled agent's binary for the session. */
    agentd?: string;
  } = {},
): Promise<FakeSessionRun> {
  const outDir = await tempDir();
  const platform = new FakePlatform(guest, options.onBoot);
  const reporter = new RecordingReporter();
  const session: PlannedSession = { id: 'x86_64-0-0', target: 0, arch: 'x86_64', mode: 'agent', cases, repeat: 1 };
  const result = await runSession(session, {
    platform,
    accel: 'fake',
    image: IMAGE,
    rootfs: [],
    ...(options.agentd && { agentd: options.agentd }),
    signal: new AbortController().signal,
    secrets: options.secrets ?? [],
    bootSamples: false,
    outDir,
    reporter,
    timeouts: { ...SMALL_TIMEOUTS, ...options.timeouts },
    stopped: options.stopped ?? (() => undefined),
  });
  const machine = platform.machines[0];
  if (!machine || platform.machines.length !== 1) throw new Error(`expected one boot, got ${platform.machines.length}`);
  return { ...result, machine, platform, reporter, outDir };
}

/** A case's result by id; throws when there is none, so a test reads as the assertion it makes. */
export function resultOf(run: SessionResult, caseId: string): CaseResult {
  const found = run.results.find((r) => r.caseId === caseId);
  if (!found) throw new Error(`no result for ${caseId}: ${run.results.map((r) => r.caseId).join(', ')}`);
  return found;
}
