/**
 * Platform names → platforms. The core reaches every platform through here and platform.ts, so a
 * new kind is one factory in this list and one folder under platforms/.
 */
import { UsageError } from '../harness/model/errors.js';
import type { InventoryEntry, Platform, PlatformContext, PlatformFactory, PlatformOption } from './platform.js';
import { boardFactory } from './board/index.js';
import { qemuFactory } from './qemu/index.js';
import { sshFactory } from './ssh/index.js';
import { cloudFactories } from './cloud/index.js';

export type { InventoryEntry, PlatformContext, PlatformFactory, PlatformOption };
export { CLOUD_GC_OPTIONS, CLOUD_UPLOAD_OPTIONS, cloudCommands } from './cloud/index.js';

export const FACTORIES: readonly PlatformFactory[] = [qemuFactory, sshFactory, boardFactory, ...cloudFactories()];

export function platformForms(): string[] {
  return FACTORIES.flatMap((f) => f.forms);
}

/**
 * Every kind's options, each flag once: kinds that share a flag (--identity is the SSH key for an
 * SSH host and for a QEMU guest's --login ssh) read the same value, and the help says both.
 */
export function platformOptions(): PlatformOption[] {
  const byFlag = new Map<string, PlatformOption>();
  for (const option of FACTORIES.flatMap((f) => f.options)) {
    const long = option.flags.split(/[ ,]+/).find((w) => w.startsWith('--')) ?? option.flags;
    const seen = byFlag.get(long);
    byFlag.set(long, seen ? { ...seen, description: `${seen.description}; ${option.description}` } : option);
  }
  return [...byFlag.values()];
}

/**
 * `--platform a,b,…`: kinds may be mixed (`qemu:arm64,ssh:root@host`); a platform named twice runs
 * once. `where` names the flag or file that gave the list, for the error.
 */
export function createPlatforms(list: string, context: Omit<PlatformContext, 'shared'>, where = '--platform'): Platform[] {
  const memo = new Map<string, unknown>();
  const shared = <T>(key: string, make: () => T): T => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as T;
  };
  const full: PlatformContext = { ...context, shared };
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  if (!names.length) throw new UsageError(where, `no platform named; choose from ${platformForms().join(', ')}`);
  const platforms = new Map<string, Platform>();
  for (const name of names) {
    const made = FACTORIES.map((f) => f.create(name, full)).find((p) => p !== undefined);
    if (!made) throw new UsageError(where, `unknown platform "${name}"; choose from ${platformForms().join(', ')}`);
    for (const p of made) if (!platforms.has(p.name)) platforms.set(p.name, p);
  }
  return [...platforms.values()];
}

/** The inventory of every kind that keeps one (a lab of boards), by kind. */
export async function inventories(options: Readonly<Record<string, unknown>>, cacheDir: string): Promise<{ kind: string; entries: InventoryEntry[] }[]> {
  const kinds = FACTORIES.filter((f) => f.inventory);
  return Promise.all(kinds.map(async (f) => ({ kind: f.kind, entries: await f.inventory!(options, cacheDir) })));
}
