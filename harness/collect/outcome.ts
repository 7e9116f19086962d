import { summarizeFailure } from './tap.js';
import type { ContainerResult, ErrorClass, Outcome } from '../model/types.js';

export interface Verdict {
  outcome: Outcome;
  errorClass?: ErrorClass;
  reason?: string;
}

/**
 * A case's verdict from its containers. TAP and exit code must both agree on success: a passing
 * stream from a container that exited 3 is a failure, and so is exit 0 with a failing stream.
 */
export function judgeContainers(containers: ContainerResult[], agentErrors: string[]): Verdict {
  if (agentErrors.length) return { outcome: 'error', errorClass: 'infra', reason: `container setup failed: ${agentErrors.join('; ')}` };
  const timedOut = containers.find((c) => c.timedOut);
  if (timedOut) return { outcome: 'error', errorClass: 'timeout', reason: `container ${timedOut.name} timed out` };
  const reasons: string[] = [];
  let skips = 0;
  for (const c of containers) {
    const prefix = containers.length > 1 ? `${c.name}: ` : '';
    if (c.tap.plan?.skipAll !== undefined && c.exitCode === 0) {
      skips++;
      continue;
    }
    if (!c.tap.ok) reasons.push(prefix + summarizeFailure(c.tap));
    if (c.exitCode !== 0) reasons.push(`${prefix}exit code ${c.exitCode}`);
  }
  if (reasons.length) return { outcome: 'fail', reason: reasons.join('; ') };
  if (skips === containers.length) {
    const reason = containers.map((c) => c.tap.plan?.skipAll).filter(Boolean).join('; ');
    return { outcome: 'skip', reason: reason || 'skipped' };
  }
  return { outcome: 'pass' };
}
