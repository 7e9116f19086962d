import { DescribeInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { pollUntil } from '../core/poll.js';
import { ignoreNotFound } from './ec2-errors.js';

/** States of an instance that still exists (and may still bill). */
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/** Terminates and waits until terminated: its security group and key pair stay in use until then. */
export async function terminateAndWait(ec2: EC2Client, ids: string[], pollMs: number, signal?: AbortSignal): Promise<void> {
  if (!ids.length) return;
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }), { abortSignal: signal }).catch(ignoreNotFound);
  await pollUntil(
    async () => {
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }), { abortSignal: signal }).catch((error: unknown) => {
        ignoreNotFound(error);
        return { Reservations: [] };
      });
      const states = (Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.State?.Name));
      return states.every((s) => s === 'terminated') ? true : undefined;
    },
    { timeoutMs: 10 * 60_000, intervalMs: pollMs, signal, what: `${ids.join(', ')} to terminate` },
  );
}
