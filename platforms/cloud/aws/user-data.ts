/**
 * The second line of defence behind the lease's own lifetime: the instance powers itself off at
 * its maximum lifetime, and InstanceInitiatedShutdownBehavior=terminate makes that a termination.
 * cloud-init runs it as a script; images without cloud-init (LinuxKit) ignore it, and the harness's
 * own teardown and `cloud gc` still apply.
 */
export function selfTerminationUserData(lifetimeMs: number): string {
  const minutes = Math.max(1, Math.ceil(lifetimeMs / 60_000));
  return [
    '#!/bin/sh',
    `# harness: end this instance after ${minutes} min, should the harness not have ended it first.`,
    `(shutdown -h +${minutes} || { sleep ${minutes * 60}; poweroff -f; }) >/dev/null 2>&1 &`,
    '',
  ].join('\n');
}
