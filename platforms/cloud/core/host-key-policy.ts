import type { HostKey } from '../../../harness/console/host-key-block.js';
import { InfraError } from '../../../harness/model/errors.js';
import type { HostKeyWatch } from './host-key-watch.js';
import { sleep } from './poll.js';
import type { LaunchedInstance } from './provider.js';
import type { HostKeyPolicy } from './ssh-connector.js';

export interface HostKeyWait {
  watch: HostKeyWatch;
  instance: LaunchedInstance;
  /** --trust-on-first-use: after `graceMs` without keys, trust the first key in `knownHosts`. */
  trustOnFirstUse: boolean;
  knownHosts: string;
  graceMs: number;
  timeoutMs: number;
  pollMs: number;
  signal: AbortSignal;
}

/** Polls the provider's own host keys (GCP guest attributes) until it has some. */
async function fromProvider(instance: LaunchedInstance, pollMs: number, signal: AbortSignal): Promise<HostKey[]> {
  for (;;) {
    const keys = await instance.hostKeys!(signal).catch(() => undefined);
    if (keys?.length) return keys;
    await sleep(pollMs, signal);
  }
}

/**
 * The host keys SSH will accept, from a channel an attacker on the network cannot touch: the
 * guest's console as the provider relays it, or the provider's own record. Without either in time,
 * the instance is refused, unless the user asked to trust the first key.
 */
export async function hostKeyPolicy(wait: HostKeyWait): Promise<HostKeyPolicy> {
  const stop = new AbortController();
  const signal = AbortSignal.any([wait.signal, stop.signal]);
  const limit = wait.trustOnFirstUse ? wait.graceMs : wait.timeoutMs;
  try {
    const sources: Promise<HostKey[] | undefined>[] = [
      wait.watch.next().then(() => wait.watch.found),
      sleep(limit, signal).then(() => undefined),
    ];
    if (wait.instance.hostKeys) sources.push(fromProvider(wait.instance, wait.pollMs, signal));
    const keys = await Promise.race(sources);
    if (keys?.length) {
      const fingerprints = new Set([...keys, ...wait.watch.found].map((k) => k.fingerprint));
      return { kind: 'pinned', fingerprints: [...fingerprints] };
    }
  } finally {
    stop.abort(new Error('host keys settled'));
  }
  if (wait.trustOnFirstUse) return { kind: 'tofu', file: wait.knownHosts };
  throw new InfraError(
    `no SSH host keys for ${wait.instance.id} within ${Math.round(limit / 1000)} s: the image must print cloud-init's ` +
      `"-----BEGIN SSH HOST KEY FINGERPRINTS-----" (or KEYS) block on its serial console` +
      `${wait.instance.hostKeys ? ' or publish them as guest attributes (hostkeys/)' : ''}; or pass --trust-on-first-use`,
    { machine: wait.instance.id, phase: 'sshReady' },
  );
}
