import { isIPv4 } from 'node:net';
import { InfraError, UsageError } from '../../../harness/model/errors.js';

/** Finds the address the runner's traffic leaves from, as the cloud will see it. */
export type DiscoverAddress = (signal: AbortSignal) => Promise<string>;

/** The only source SSH is opened to: one IPv4 address as a /32; never a range, never 0.0.0.0. */
export function runnerCidr(address: string, where: string): string {
  const text = address.trim();
  if (!isIPv4(text)) throw new UsageError(where, `"${address}" is not an IPv4 address (SSH is opened to exactly one address, as a /32)`);
  if (text === '0.0.0.0' || text.startsWith('0.') || text === '255.255.255.255') throw new UsageError(where, `"${address}" is not a single host`);
  return `${text}/32`;
}

const CHECK_IP = 'https://checkip.amazonaws.com/';
/** An address is a line; a longer answer is not the service we asked. */
const MAX_ANSWER = 64;

/**
 * Asks a what-is-my-address service. Only used without --cloud-runner-ip; a runner inside the cloud's
 * own network, or behind a NAT whose address differs per connection, names its address instead.
 */
export const discoverPublicAddress: DiscoverAddress = async (signal) => {
  const response = await fetch(CHECK_IP, { signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]) });
  if (!response.ok || !response.body) throw new InfraError(`${CHECK_IP} answered ${response.status}: pass --cloud-runner-ip`);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > MAX_ANSWER) {
      await reader.cancel();
      throw new InfraError(`${CHECK_IP} answered more than an address: pass --cloud-runner-ip`);
    }
  }
  return Buffer.concat(chunks).toString('utf8').trim();
};
