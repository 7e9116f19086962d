import { buildFixtures } from '../../../fixtures/build.js';
import type { Arch } from '../../model/types.js';

/** Builds (or confirms up to date) the bundled images for these arches; cached, so cheap when nothing changed. */
export async function ensureFixtures(arches: Arch[], cacheDir: string | undefined, log: (line: string) => void): Promise<void> {
  await buildFixtures({ arches, cacheDir, log });
}
