import { UsageError } from '../../model/errors.js';
import { ARCHES, type Arch } from '../../model/types.js';

/** `--platform`: one arch, or `qemu` for all three. */
export function parsePlatform(value: string): Arch[] {
  if (value === 'qemu') return [...ARCHES];
  const names = value.split(',').map((v) => v.trim());
  const unknown = names.filter((n) => !(ARCHES as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new UsageError('--platform', `unknown platform "${unknown.join(',') || value}"; choose from ${[...ARCHES, 'qemu'].join(', ')}`);
  }
  return names as Arch[];
}
