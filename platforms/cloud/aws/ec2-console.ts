import { GetConsoleOutputCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SnapshotDiff } from '../core/buffer-diff.js';
import type { ConsoleSource } from '../core/polled-console.js';

/**
 * EC2's serial console: GetConsoleOutput returns the whole buffer each time (the latest 64 KiB
 * with `Latest`, on Nitro instances; older types refuse `Latest` and get what EC2 kept near the
 * last state change), base64 encoded. Each poll adds what the last one did not have.
 */
export function ec2Console(ec2: EC2Client, instanceId: string): ConsoleSource {
  const diff = new SnapshotDiff();
  let latest = true;
  return {
    async read(signal) {
      let output: string | undefined;
      try {
        ({ Output: output } = await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, ...(latest && { Latest: true }) }), { abortSignal: signal }));
      } catch (error) {
        if (!latest || (error as { name?: string }).name !== 'UnsupportedOperation') throw error;
        latest = false;
        return Buffer.alloc(0);
      }
      if (!output) return Buffer.alloc(0);
      return diff.next(Buffer.from(output, 'base64')).bytes;
    },
  };
}
