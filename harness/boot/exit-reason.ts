import type { ShutdownResult } from '../../platforms/platform.js';

/** QEMU's own exit says whether something killed it or the guest reset or powered off by itself. */
export function describeExit(result: ShutdownResult): string {
  if (result.signal) return `QEMU was killed by ${result.signal}`;
  return `QEMU exited ${result.exitCode ?? '?'}: the guest reset or powered off`;
}
