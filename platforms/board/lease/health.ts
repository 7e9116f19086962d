import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../harness/lifecycle/write-atomic.js';
import type { LeaseOutcome } from '../../platform.js';

/** A board's record across runs: infra failures in a row, quarantine, what its firmware last said. */
export interface BoardHealth {
  infraInARow: number;
  quarantined?: { since: string; reason: string };
  /** From the last banner seen, for the history's fingerprint: the probe runs before any boot. */
  uboot?: string;
}

const healthPath = (stateDir: string, board: string) => join(stateDir, `${board}.health.json`);

export async function readHealth(stateDir: string, board: string): Promise<BoardHealth> {
  try {
    return JSON.parse(await readFile(healthPath(stateDir, board), 'utf8')) as BoardHealth;
  } catch {
    return { infraInARow: 0 };
  }
}

export function writeHealth(stateDir: string, board: string, health: BoardHealth): Promise<void> {
  return writeFileAtomic(healthPath(stateDir, board), `${JSON.stringify(health, null, 1)}\n`);
}

/**
 * The next health after a session: an infra failure counts (and `limit` in a row quarantine the
 * board), a session that booted anything resets the count, and only one that passed lifts a
 * quarantine, which in practice is a health check's.
 */
export function afterSession(health: BoardHealth, outcome: LeaseOutcome, limit: number, now: Date): BoardHealth {
  if (outcome.ok) return { infraInARow: 0, uboot: health.uboot };
  if (outcome.errorClass !== 'infra') return { ...health, infraInARow: 0 };
  const infraInARow = health.infraInARow + 1;
  if (health.quarantined || infraInARow < limit) return { ...health, infraInARow };
  return { ...health, infraInARow, quarantined: { since: now.toISOString(), reason: `${infraInARow} infrastructure failures in a row; the last: ${outcome.reason ?? 'no reason given'}` } };
}
