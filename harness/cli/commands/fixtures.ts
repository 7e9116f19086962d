/**
 * The one door from the harness to the image builder in fixtures/: building and locating the
 * bundled images, and installing the host tools. Nothing else outside fixtures/ imports it.
 */
import { agentdCompiler, ensureAgentd } from '../../../fixtures/agentd.js';
import { buildFixtures, readFixtureManifest } from '../../../fixtures/build.js';
import { buildDiskImages } from '../../../fixtures/disk-images.js';
import { bundledUpToDate } from '../../../fixtures/fresh.js';
import { ensureHostTools, findOnPath } from '../../../fixtures/host-tools.js';
import { fixturePrefix, repoRoot, FIXTURE_NAMES, type FixtureName } from '../../../fixtures/paths.js';
import { openKernelImage } from '../../image/open-image.js';
import { InfraError, UsageError } from '../../model/errors.js';
import type { Arch } from '../../model/types.js';
import type { KernelImage, RootfsArchive } from '../../../platforms/platform.js';

export { agentdCompiler, findOnPath, repoRoot };

export type Log = (line: string) => void;

/** Builds the bundled images for these arches unless they are up to date, which costs a few stat calls. */
export async function ensureFixtures(arches: Arch[], cacheDir: string | undefined, log: Log): Promise<void> {
  if (arches.length && !(await bundledUpToDate(arches, cacheDir))) await buildFixtures({ arches, cacheDir, log });
}

/** `harness setup`: the host packages (apt, as root), then the bundled images. */
export async function setupHost(arches: Arch[], cacheDir: string | undefined, log: Log): Promise<void> {
  const { missing } = await ensureHostTools({ install: true, log });
  if (missing.length) throw new InfraError(`still missing after installing: ${missing.join(', ')}`);
  await buildFixtures({ arches, cacheDir, log });
  await buildDiskImages({ arches, cacheDir, log });
}

/** `harness fixtures build`: the bundled images, and with `disks` their ISO, disk and root file system formats. */
export async function buildBundled(arches: Arch[], cacheDir: string | undefined, force: boolean, disks: boolean, log: Log): Promise<void> {
  await buildFixtures({ arches, cacheDir, force, log });
  if (disks) await buildDiskImages({ arches, cacheDir, log });
}

/** The bundled image `name` for `arch`; `where` names what asked for it, for the error. */
export function bundledImage(arch: Arch, name: string, cacheDir: string | undefined, where: string): Promise<KernelImage> {
  if (!(FIXTURE_NAMES as readonly string[]).includes(name)) throw new UsageError(where, `image: no bundled fixture "${name}" (have ${FIXTURE_NAMES.join(', ')})`);
  return openKernelImage(fixturePrefix(arch, name as FixtureName, cacheDir), where);
}

/** The base container rootfs of `arch` as a tar, for targets that boot nothing of ours. */
export async function bundledRootfs(arch: Arch, cacheDir: string | undefined): Promise<RootfsArchive[]> {
  const base = (await readFixtureManifest(cacheDir))?.arches[arch]?.rootfsBase;
  if (!base) throw new InfraError(`no bundled ${arch} rootfs (run: harness fixtures build --platform ${arch})`);
  return [{ name: 'base', tar: base.tar, sha256: base.sha256, busybox: base.busybox }];
}

/** The compiled agent's binary per arch where one can be built here (rebuilt when its sources changed). */
export async function bundledAgents(arches: Arch[], cacheDir: string | undefined, log: Log): Promise<Partial<Record<Arch, string>>> {
  if (!arches.length) return {};
  const built = await ensureAgentd(arches, { cacheDir, log });
  return Object.fromEntries(Object.values(built).map((b) => [b.arch, b.path]));
}
