import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { agentdCompiler, findOnPath, bundledImage } from './fixtures.js';
import { measureImage } from '../../image/image-size.js';
import type { Reaper } from '../../lifecycle/reaper.js';
import { createPlatforms } from '../../../platforms/registry.js';
import type { DiskImage, Image, KernelImage, Platform } from '../../../platforms/platform.js';
import { formatName, openImage } from '../../image/open-image.js';
import { kernelArch } from '../../image/image-check.js';
import type { Arch } from '../../model/types.js';

export interface DoctorLine {
  ok: boolean;
  what: string;
  detail: string;
}

/** What detection found in `--image`: format, architecture, and the firmware that boots it. */
export function imageLine(image: KernelImage | DiskImage): DoctorLine {
  if (image.kind === 'kernel') return { ok: true, what: 'image', detail: `${formatName(image)} ${image.kernel}: boots directly, no firmware needed` };
  const firmware = [image.firmware.uefi && 'UEFI', image.firmware.bios && 'BIOS'].filter(Boolean).join(' or ');
  return { ok: true, what: 'image', detail: `${image.format} (${image.detail}), arch ${image.arches.join(', ')}, firmware ${firmware}` };
}

/**
 * `harness doctor`: what this host can run on each platform, and why not where it cannot. With
 * `imageSpec`, that image is detected and probed instead of the bundled one.
 */
export async function doctor(cacheDir: string, reaper: Reaper, platformList = 'qemu', imageSpec?: string): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  for (const tool of ['setpriv', 'dpkg-deb', 'apt-get']) {
    const found = findOnPath(tool);
    lines.push({ ok: found !== undefined, what: tool, detail: found ?? 'missing (run: harness setup)' });
  }
  const kvm = await access('/dev/kvm').then(() => true, () => false);
  lines.push({ ok: true, what: '/dev/kvm', detail: kvm ? 'present (only a booting probe guest counts)' : 'absent' });
  const given = imageSpec === undefined ? undefined : await openImage(imageSpec, '--image');
  if (given) lines.push(imageLine(given));
  const kernelFor = given?.kind === 'kernel' ? await kernelArch(given.kernel) : undefined;
  const givenArches = given?.kind === 'disk' ? given.arches : kernelFor && kernelFor !== 'unknown' ? [kernelFor] : undefined;
  for (const platform of createPlatforms(platformList, { reaper, cacheDir: resolve(cacheDir), options: {} })) {
    if (given && platform.arch && platform.runs === 'kernel' && givenArches && !givenArches.includes(platform.arch)) {
      lines.push({ ok: true, what: platform.name, detail: `not for this image (it is for ${givenArches.join(', ')})` });
      continue;
    }
    const image = given && platform.runs === 'kernel' ? given : await imageFor(platform, cacheDir);
    if (!image) {
      lines.push({ ok: false, what: platform.name, detail: 'no bundled image (run: harness fixtures build)' });
      continue;
    }
    const caps = await platform.probe(image);
    lines.push({ ok: caps.available, what: platform.name, detail: caps.available ? `accel ${caps.accel}: ${caps.notes.join('; ')}` : (caps.reason ?? 'unavailable') });
    if (caps.available && image.kind === 'kernel') lines.push(await isolationLine(platform, image));
    const arch = caps.arch ?? platform.arch;
    if (caps.available && arch) lines.push(compiledAgentLine(platform, arch));
  }
  return lines;
}

async function imageFor(platform: Platform, cacheDir: string): Promise<Image | undefined> {
  if (platform.runs === 'host') return { kind: 'host', name: 'host' };
  if (!platform.arch) return undefined;
  return bundledImage(platform.arch, 'harness', cacheDir, 'fixtures').catch(() => undefined);
}

/** Whether cases there get the compiled agent, or agent.sh with its dozens of forks per case. */
function compiledAgentLine(platform: Platform, arch: Arch): DoctorLine {
  const cc = agentdCompiler(arch);
  const what = `${platform.name} agent`;
  if (!findOnPath(cc)) return { ok: false, what, detail: `agent.sh: no ${cc} to build the compiled agent with (run: harness setup)` };
  return { ok: true, what, detail: `the compiled agent (built with ${cc}), handed over to by agent.sh` };
}

/** The bundled image's OCI runtime decides whether cases get the full container profile (docs/security.md). */
async function isolationLine(platform: Platform, image: Extract<Image, { kind: 'kernel' }>): Promise<DoctorLine> {
  const { sizes } = await measureImage(image);
  const runtime = (sizes.components['runtime'] ?? 0) > 0;
  return {
    ok: true,
    what: `${platform.name} isolation`,
    detail: runtime
      ? 'full: an OCI runtime applies the default container profile (capabilities, seccomp, masked paths, user namespace)'
      : 'reduced: no OCI runtime in the image, cases run under busybox unshare with the guest root\'s capabilities',
  };
}
