/** QEMU's own exit says whether something killed it or the guest reset or powered off by itself. */
export function describeExit(exitCode: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `QEMU was killed by ${signal}`;
  return `QEMU exited ${exitCode ?? '?'}: the guest reset or powered off`;
}
