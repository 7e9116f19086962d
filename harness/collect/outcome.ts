import { summarizeFailure } from './tap.js';
import { RTF_CANCEL } from './plain-summary.js';
import type { ContainerResult, ErrorClass, Outcome } from '../model/types.js';

export interface Verdict {
  outcome: Outcome;
  errorClass?: ErrorClass;
  reason?: string;
}

/** Why a container skipped, or undefined when it did not: `1..0 # SKIP` with exit 0, or rtf's cancel code. */
function skipReason(c: ContainerResult): string | undefined {
  if (c.result === 'exit-code') return c.exitCode === RTF_CANCEL ? `exit code ${RTF_CANCEL}: cancelled (rtf's RT_TEST_CANCEL)` : undefined;
  return c.result === undefined && c.tap.plan?.skipAll !== undefined && c.exitCode === 0 ? c.tap.plan.skipAll : undefined;
}

/**
 * A case's verdict from its containers. The stream and the exit code must both agree on success: a
 * passing stream from a container that exited 3 is a failure, and so is exit 0 with a failing stream.
 * Under `result: exit-code` the exit code is all there is.
 */
export function judgeContainers(containers: ContainerResult[], agentErrors: string[]): Verdict {
  if (agentErrors.length) return { outcome: 'error', errorClass: 'infra', reason: `container setup failed: ${agentErrors.join('; ')}` };
  const timedOut = containers.find((c) => c.timedOut);
  if (timedOut) return { outcome: 'error', errorClass: 'timeout', reason: `container ${timedOut.name} timed out` };
  const reasons: string[] = [];
  const skips: string[] = [];
  for (const c of containers) {
    const prefix = containers.length > 1 ? `${c.name}: ` : '';
    const skip = skipReason(c);
    if (skip !== undefined) {
      skips.push(skip);
      continue;
    }
    if (!c.tap.ok && c.result !== 'exit-code') reasons.push(prefix + summarizeFailure(c.tap));
    if (c.exitCode !== 0) reasons.push(`${prefix}exit code ${c.exitCode}`);
  }
  if (reasons.length) return { outcome: 'fail', reason: reasons.join('; ') };
  if (skips.length === containers.length) return { outcome: 'skip', reason: skips.filter(Boolean).join('; ') || 'skipped' };
  return { outcome: 'pass' };
}
