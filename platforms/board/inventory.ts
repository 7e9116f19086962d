import type { InventoryEntry } from '../platform.js';
import type { Lab } from './lab/load-lab.js';
import { expiry, readLease } from './lease/board-lock.js';
import { readHealth } from './lease/health.js';

/** Every board of a lab as `harness lab status` shows it: quarantined, leased (by whom, since when), or free. */
export async function labInventory(lab: Lab, now = Date.now()): Promise<InventoryEntry[]> {
  return Promise.all(
    lab.boards.map(async (board): Promise<InventoryEntry> => {
      const [health, lease] = await Promise.all([readHealth(lab.stateDir, board.name), readLease(lab.stateDir, board.name)]);
      const held = lease && expiry(lease, now, lab['lease-expiry']) === undefined ? lease : undefined;
      if (health.quarantined) {
        return { name: board.name, state: 'quarantined', detail: `since ${health.quarantined.since}: ${health.quarantined.reason}${held ? ` (leased by ${held.user}@${held.host} pid ${held.pid})` : ''}` };
      }
      if (held) return { name: board.name, state: 'leased', detail: `by ${held.user}@${held.host} pid ${held.pid} since ${held.since}` };
      const stale = lease ? `; an expired lease of pid ${lease.pid} on ${lease.host} is left (${expiry(lease, now, lab['lease-expiry'])})` : '';
      return { name: board.name, state: 'free', detail: `${board.arch}, labels ${board.labels.join(',') || '-'}${stale}` };
    }),
  );
}
