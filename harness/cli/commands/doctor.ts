import { access } from 'node:fs/promises';
import { findOnPath } from '../../../fixtures/host-tools.js';
import { fixturePrefix } from '../../../fixtures/paths.js';
import { openImage } from '../../image/open-image.js';
import { ARCHES } from '../../model/types.js';
import type { Reaper } from '../../lifecycle/reaper.js';
import { createQemuPlatform } from '../../../platforms/qemu/index.js';
import { PROFILES } from '../../../platforms/qemu/profiles.js';

export interface DoctorLine {
  ok: boolean;
  what: string;
  detail: string;
}

/** `harness doctor`: what this host can run, and why not where it cannot. */
export async function doctor(cacheDir: string, reaper: Reaper): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  for (const tool of ['setpriv', 'dpkg-deb', 'apt-get']) {
    const found = findOnPath(tool);
    lines.push({ ok: found !== undefined, what: tool, detail: found ?? 'missing (run: harness setup)' });
  }
  const kvm = await access('/dev/kvm').then(() => true, () => false);
  lines.push({ ok: true, what: '/dev/kvm', detail: kvm ? 'present (only a booting probe guest counts)' : 'absent' });
  for (const arch of ARCHES) {
    const prefix = fixturePrefix(arch, 'harness', cacheDir);
    const image = await openImage(prefix, 'fixtures').catch(() => undefined);
    if (!image) {
      lines.push({ ok: false, what: `qemu-${arch}`, detail: `no bundled image at ${prefix} (run: harness fixtures build)` });
      continue;
    }
    const caps = await createQemuPlatform(arch, { reaper, cacheDir }).probe(image);
    lines.push({
      ok: caps.available,
      what: `qemu-${arch}`,
      detail: caps.available ? `${PROFILES[arch].binary}, accel ${caps.accel}: ${caps.notes.join('; ')}` : (caps.reason ?? 'unavailable'),
    });
  }
  return lines;
}
