import { buildFixtures } from '../fixtures/build.js';
import { buildDiskImages } from '../fixtures/disk-images.js';
import { ensureHostTools } from '../fixtures/host-tools.js';
import { ARCHES } from '../harness/model/types.js';

/**
 * The VM tests boot real guests: QEMU for every architecture, the bundled images and their disk
 * formats must exist.
 * Both steps are cached, so this costs seconds once they are in place.
 */
export default async function setup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[setup] ${line}\n`);
  const { missing } = await ensureHostTools({ install: true, log });
  if (missing.length) throw new Error(`host tools still missing: ${missing.join(', ')}`);
  await buildFixtures({ arches: [...ARCHES], log });
  await buildDiskImages({ arches: [...ARCHES], log });
}
