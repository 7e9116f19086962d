import type { CaseDef, TargetArch } from '../model/types.js';

/** One boot: which platform instance, and the cases it runs in order. */
export interface PlannedSession {
  id: string;
  /** Index into the run's platform targets. */
  target: number;
  arch: TargetArch;
  /** 'agent': the harness runs the cases' containers; 'own-tests': the image prints TAP itself. */
  mode: 'agent' | 'own-tests';
  cases: CaseDef[];
  /** Which pass of `--repeat`, from 1. */
  repeat: number;
  /** Which boot for these cases, from 1: an infrastructure error boots them again. */
  attempt?: number;
}

export interface PlanTarget {
  arch: TargetArch;
  cases: CaseDef[];
}

/** A case that could reach the guest must never share a boot with one that cannot. */
export const needsOwnBoot = (c: CaseDef): boolean => c.freshMachine || c.imageRunsOwnTests || c.privileged || c.capabilities.length > 0;

/**
 * Groups cases into boots: per target one shared session for ordinary cases, then one boot for each
 * case that asks for a fresh machine, more than the default container profile, or brings its own
 * self-testing image. Pure, so it is tested without machines and a run can print its plan.
 */
export function planSessions(targets: PlanTarget[], repeats = 1): PlannedSession[] {
  const sessions: PlannedSession[] = [];
  for (let repeat = 1; repeat <= repeats; repeat++) {
    targets.forEach((target, index) => {
      const shared = target.cases.filter((c) => !needsOwnBoot(c));
      const own = target.cases.filter(needsOwnBoot);
      const base = { target: index, arch: target.arch, repeat };
      const id = () => `${target.arch}-${index}-${sessions.length}`;
      if (shared.length) sessions.push({ ...base, id: id(), mode: 'agent', cases: shared });
      for (const c of own) sessions.push({ ...base, id: id(), mode: c.imageRunsOwnTests ? 'own-tests' : 'agent', cases: [c] });
    });
  }
  return sessions;
}

/** A split part keeps at least this many cases: a boot, even a restored one, costs about two of them. */
const MIN_PART_CASES = 3;

/**
 * With fewer sessions than `parallel` (what the platforms run at once), the longest shared sessions
 * are split until every slot has one, each part keeping MIN_PART_CASES cases at least: 24 cases in
 * one boot left the second core idle. Cases go to parts longest first, to the lightest part, and
 * keep their order within it. Only cases that may share a boot are ever split, never joined.
 */
export function spreadSessions(sessions: PlannedSession[], parallel: number, pastMs: (session: PlannedSession, c: CaseDef) => number | undefined = () => undefined): PlannedSession[] {
  const parts = new Map<PlannedSession, number>(sessions.map((s) => [s, 1]));
  const caseMs = (s: PlannedSession, c: CaseDef) => pastMs(s, c) ?? UNKNOWN_CASE_MS;
  const work = (s: PlannedSession) => s.cases.reduce((ms, c) => ms + caseMs(s, c), 0) / parts.get(s)!;
  for (let total = sessions.length; total < parallel; total++) {
    const splittable = sessions.filter((s) => s.mode === 'agent' && s.cases.length >= MIN_PART_CASES * (parts.get(s)! + 1));
    if (!splittable.length) break;
    const longest = splittable.reduce((a, b) => (work(b) > work(a) ? b : a));
    parts.set(longest, parts.get(longest)! + 1);
  }
  return sessions.flatMap((s) => {
    const n = parts.get(s)!;
    if (n === 1) return [s];
    const loads = Array.from({ length: n }, () => 0);
    const home = new Map<CaseDef, number>();
    for (const c of [...s.cases].sort((a, b) => caseMs(s, b) - caseMs(s, a))) {
      const lightest = loads.indexOf(Math.min(...loads));
      home.set(c, lightest);
      loads[lightest]! += caseMs(s, c);
    }
    return loads.map((_, part) => ({ ...s, id: part === 0 ? s.id : `${s.id}-p${part + 1}`, cases: s.cases.filter((c) => home.get(c) === part) }));
  });
}

/** What a case costs when the history does not know it yet, and what a boot costs before its cases. */
const UNKNOWN_CASE_MS = 1000;
const BOOT_MS = 3000;

/**
 * Sessions in the order they should take leases: the longest first, so the last to start is a short
 * one and the slots finish together. A session's length is a boot plus its cases' past durations
 * (`pastMs`, from the history, where it knows them). Stable: sessions of equal length keep the plan's order.
 */
export function longestFirst(sessions: PlannedSession[], pastMs: (session: PlannedSession, c: CaseDef) => number | undefined = () => undefined): PlannedSession[] {
  const length = (s: PlannedSession) => BOOT_MS + s.cases.reduce((ms, c) => ms + (pastMs(s, c) ?? UNKNOWN_CASE_MS), 0);
  return sessions.map((s, i) => ({ s, i, ms: length(s) })).sort((a, b) => b.ms - a.ms || a.i - b.i).map(({ s }) => s);
}
