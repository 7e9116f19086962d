import { UsageError } from '../../model/errors.js';
import { ARCHES, type Arch } from '../../model/types.js';

/** The arches a bundled-image command builds for: `qemu` for all three, `qemu:<arch>` or a bare arch, comma-separated. */
export function parseArches(value: string): Arch[] {
  if (value === 'qemu') return [...ARCHES];
  const names = value.split(',').map((v) => v.trim().replace(/^qemu:/, ''));
  const unknown = names.filter((n) => !(ARCHES as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new UsageError('--platform', `unknown platform "${unknown.join(',') || value}"; choose from ${[...ARCHES, 'qemu'].join(', ')}`);
  }
  return names as Arch[];
}
