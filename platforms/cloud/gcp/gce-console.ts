import type { InstancesClient } from '@google-cloud/compute';
import type { ConsoleSource } from '../core/polled-console.js';

/**
 * GCE's serial port 1: getSerialPortOutput returns the bytes from `start` and the `next` offset.
 * When the port's buffer has rolled past `start`, the answer starts later: those bytes are gone.
 */
export function gceConsole(instances: InstancesClient, where: { project: string; zone: string; instance: string }): ConsoleSource {
  let next = 0;
  return {
    async read() {
      const [output] = await instances.getSerialPortOutput({ ...where, port: 1, start: next });
      const contents = output.contents ?? '';
      if (output.next !== undefined && output.next !== null) next = Number(output.next);
      return Buffer.from(contents, 'utf8');
    },
  };
}
