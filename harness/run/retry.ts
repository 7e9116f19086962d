import pRetry from 'p-retry';
import { InfraError } from '../model/errors.js';
import type { PlannedSession } from '../plan/plan.js';
import { runSession, type SessionContext, type SessionResult } from './session.js';
import type { CaseResult } from '../model/types.js';

const isInfra = (r: CaseResult) => r.outcome === 'error' && r.errorClass === 'infra';

/**
 * Runs a session, and boots again (bounded, with backoff) for the cases an infrastructure error kept
 * from running. Only infra is retried: a test failure or a panic is the image's answer, not noise.
 * Every boot is kept and every result says on which attempt it was made.
 */
export async function runWithInfraRetries(session: PlannedSession, ctx: SessionContext, retries: number): Promise<SessionResult[]> {
  const sessions: SessionResult[] = [];
  const settled: CaseResult[] = [];
  let pending = session.cases;
  let lastInfra: CaseResult[] = [];
  try {
    await pRetry(
      async (attempt) => {
        // Results carry their attempt from the start, so the journal and live reporters see it too.
        const outcome = await runSession({ ...session, id: attempt === 1 ? session.id : `${session.id}-a${attempt}`, cases: pending, attempt }, ctx);
        sessions.push(outcome);
        lastInfra = outcome.results.filter(isInfra);
        settled.push(...outcome.results.filter((r) => !isInfra(r)));
        if (lastInfra.length && !ctx.stopped()) {
          pending = pending.filter((c) => lastInfra.some((r) => r.caseId === c.id));
          throw new InfraError(lastInfra[0]!.reason ?? 'infrastructure error');
        }
        settled.push(...lastInfra);
        lastInfra = [];
      },
      { retries, minTimeout: 1000, factor: 2, shouldRetry: () => !ctx.stopped() },
    );
  } catch {
    settled.push(...lastInfra);
  }
  // Results of earlier attempts that a later boot replaced are dropped; their boots stay on record.
  return sessions.map((s, i) => ({ boot: s.boot, results: i === 0 ? settled : [] }));
}

/**
 * Reruns failed cases up to `retries` times. A case that fails and then passes is flaky, never a
 * plain pass; one that keeps failing stays a failure, with the attempts counted.
 */
export function mergeRetry(first: CaseResult, retry: CaseResult): CaseResult {
  const attempts = first.attempts + retry.attempts;
  if (retry.outcome === 'pass') return { ...retry, outcome: 'flaky', reason: `failed, then passed on attempt ${attempts}: ${first.reason ?? ''}`, attempts };
  return { ...first, attempts };
}
