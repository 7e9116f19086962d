import { mkdir } from 'node:fs/promises';
import type { LinkTimeouts } from '../guest/agent-link.js';
import { longestFirst, planSessions, spreadSessions, type PlannedSession } from '../plan/plan.js';
import { LeaseOrder } from './lease-order.js';
import { mergeRetry, runWithInfraRetries } from './retry.js';
import { EXIT, type BootRecord, type CaseDef, type CaseDurations, type CaseResult, type ExitCode, type Reporter, type RunSummary, type SkippedCase, type TargetArch } from '../model/types.js';
import type { Capabilities, Image, Platform, RootfsArchive } from '../../platforms/platform.js';

export interface RunTarget {
  platform: Platform;
  image: Image;
  cases: CaseDef[];
  /** What `platform.probe(image)` said, asked once before the run. */
  capabilities: Capabilities;
  /** The arch the probe found, or the platform's own; unknown for a host that could not be reached. */
  arch: TargetArch;
  /** Rootfs archives for targets whose image does not carry them. */
  rootfs: RootfsArchive[];
  /** The compiled agent's binary for the target's arch, where one was built. */
  agentd?: string;
}

export interface RunOptions {
  runId: string;
  outDir: string;
  targets: RunTarget[];
  skipped: SkippedCase[];
  reporter: Reporter;
  /** Boots every session this many times, to collect boot-time samples. */
  repeat: number;
  /** Extra attempts for a failed case; passing on one makes it flaky. */
  retries: number;
  /** Extra boots for cases an infrastructure error kept from running. */
  infraRetries: number;
  timeouts: LinkTimeouts;
  /** Set once the run is being stopped (a signal): no new boot starts, and cases say why they did not run. */
  stopped(): string | undefined;
  /** Aborted when the run is stopped: sessions waiting for a lease give up at once. */
  signal: AbortSignal;
  /** Credentials to keep out of every file the run writes, case output included. */
  secrets: readonly string[];
  /** What is tested and which shard this is, for the journal: `harness merge` checks them. */
  revision?: string;
  shard?: { index: number; total: number };
  /** Past case durations: the longest sessions take the first leases. */
  durations?: CaseDurations;
  /** The image a self-testing case boots on a target. */
  ownTestsImage(c: CaseDef, target: RunTarget): Promise<Image>;
}

export const DEFAULT_TIMEOUTS: LinkTimeouts = { firstByteMs: 30_000, readyMs: 120_000, agentMs: 60_000, caseGraceMs: 15_000, shutdownMs: 30_000 };

/** The pipeline after selection: plan sessions, boot them in parallel slots, collect, report. */
export async function runTargets(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  await mkdir(options.outDir, { recursive: true });
  await options.reporter.onRunBegin?.({
    runId: options.runId,
    startedAt: new Date().toISOString(),
    outDir: options.outDir,
    platforms: options.targets.map((t) => t.platform.name),
    selected: options.targets.reduce((n, t) => n + t.cases.length, 0),
    skipped: options.skipped,
    ...(options.revision !== undefined && { revision: options.revision }),
    ...(options.shard && { shard: options.shard }),
  });

  const results: CaseResult[] = [];
  const boots: BootRecord[] = [];
  const pastMs = (s: PlannedSession, c: CaseDef) => options.durations?.onPlatform.get(options.targets[s.target]!.platform.name)?.get(c.id) ?? options.durations?.any.get(c.id);
  const parallel = Math.max(1, ...options.targets.map((t) => t.platform.parallel ?? 1));
  const planned = spreadSessions(planSessions(options.targets.map((t) => ({ arch: t.arch, cases: t.cases })), options.repeat), parallel, pastMs);
  const sessions = longestFirst(planned, pastMs);
  const leaseOrder = new LeaseOrder(sessions.map((s) => s.id));

  const runPlanned = async (session: PlannedSession) => {
    const target = options.targets[session.target]!;
    const caps = target.capabilities;
    const stopped = options.stopped();
    if (!caps.available || stopped) {
      for (const c of session.cases) {
        const result = unavailable(c, target, session, stopped ? `not run: ${stopped}` : (caps.reason ?? 'platform unavailable'));
        results.push(result);
        options.reporter.onCaseEnd?.(result);
      }
      return;
    }
    const image = session.mode === 'own-tests' ? await options.ownTestsImage(session.cases[0]!, target) : target.image;
    const ctx = {
      platform: target.platform,
      accel: caps.accel,
      image,
      rootfs: target.rootfs,
      ...(target.agentd && { agentd: target.agentd }),
      outDir: options.outDir,
      reporter: options.reporter,
      timeouts: options.timeouts,
      stopped: options.stopped,
      signal: options.signal,
      secrets: options.secrets,
      bootSamples: options.repeat > 1,
      leaseOrder,
    };
    for (const outcome of await runWithInfraRetries(session, ctx, options.infraRetries)) {
      results.push(...outcome.results);
      boots.push(outcome.boot);
    }
  };
  // A session that ends before it asks for a lease (its platform is unavailable, its image failed) passes its turn on.
  const work = (session: PlannedSession) => runPlanned(session).finally(() => leaseOrder.asked(session.id));
  // Leases bound what runs at once (CPU slots, one host, a board), so every session may start now.
  await Promise.all(sessions.map(work));

  // Failed cases get `retries` more chances, each in a fresh boot; a pass then makes them flaky.
  for (let round = 1; round <= options.retries && !options.stopped(); round++) {
    const failed = results.filter((r) => r.outcome === 'fail');
    if (!failed.length) break;
    const retryTargets = options.targets.map((t) => ({ ...t, cases: t.cases.filter((c) => failed.some((r) => r.caseId === c.id && r.platform === t.platform.name)) }));
    const retrySessions = planSessions(retryTargets.map((t) => ({ arch: t.arch, cases: t.cases })), 1).map((s) => ({ ...s, id: `${s.id}-retry${round}` }));
    const before = results.length;
    await Promise.all(retrySessions.map(work));
    for (const retry of results.splice(before)) {
      const index = results.findIndex((r) => r.outcome === 'fail' && r.caseId === retry.caseId && r.platform === retry.platform);
      if (index >= 0) results[index] = mergeRetry(results[index]!, retry);
    }
  }

  const summary: RunSummary = {
    runId: options.runId,
    durationMs: performance.now() - started,
    results: sortResults(results, options.targets),
    boots,
    skipped: options.skipped,
    exitCode: exitCodeOf(results),
  };
  await options.reporter.onRunEnd?.(summary);
  return summary;
}

/** 1 when a test failed, else 3 when something could not run, else 0 (DESIGN.md §7). */
export function exitCodeOf(results: CaseResult[]): ExitCode {
  if (results.some((r) => r.outcome === 'fail')) return EXIT.testFailed;
  if (results.some((r) => r.outcome === 'error')) return EXIT.infra;
  return EXIT.ok;
}

function unavailable(c: CaseDef, target: RunTarget, session: PlannedSession, reason: string): CaseResult {
  return {
    caseId: c.id,
    name: c.name,
    platform: target.platform.name,
    arch: target.arch,
    bootId: session.id,
    repeat: session.repeat,
    outcome: 'error',
    errorClass: 'infra',
    reason,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    attempts: 0,
    containers: [],
  };
}

/** Results in a stable order (platform, then case id) whatever order the slots finished in. */
function sortResults(results: CaseResult[], targets: RunTarget[]): CaseResult[] {
  const rank = new Map(targets.map((t, i) => [t.platform.name, i]));
  return [...results].sort((a, b) => (rank.get(a.platform)! - rank.get(b.platform)!) || a.caseId.localeCompare(b.caseId));
}
