import type { BootRecord } from '../model/types.js';

/** What a run's cloud instances cost in time: undefined when none ran. */
export function instanceUsage(boots: readonly BootRecord[]): { instances: number; instanceSeconds: number } | undefined {
  const billed = boots.flatMap((b) => (b.instanceSeconds === undefined ? [] : [b.instanceSeconds]));
  if (!billed.length) return undefined;
  return { instances: billed.length, instanceSeconds: Math.round(billed.reduce((sum, s) => sum + s, 0) * 10) / 10 };
}
