import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchProfile } from './profiles.js';

/** Where Debian's QEMU looks for firmware (qemu-system-data, seabios). */
export const FIRMWARE_DIRS = ['/usr/share/qemu', '/usr/share/seabios'];

/** The profile's firmware files that none of `dirs` holds: QEMU would refuse to start without them. */
export function missingFirmware(profile: ArchProfile, dirs: readonly string[] = FIRMWARE_DIRS): string[] {
  return profile.firmware.filter((name) => !dirs.some((dir) => existsSync(join(dir, name))));
}
