import { InfraError } from '../../../harness/model/errors.js';
import type { Power } from '../../platform.js';

export interface PduDaemonSpec {
  /** The daemon's HTTP listener, e.g. http://localhost:16421. */
  url: string;
  /** The PDU's name in pdudaemon's configuration. */
  pdu: string;
  port: string;
  timeoutMs: number;
}

/**
 * pdudaemon's HTTP API: `GET /power/control/<on|off|reboot>?hostname=<pdu>&port=<n>`. The daemon
 * answers once its driver has run the request (200 "OK - accepted request"), 500 when the PDU or
 * request is unknown to it.
 */
export function pduDaemonPower(spec: PduDaemonSpec, board: string): Power {
  const request = async (action: 'on' | 'off' | 'reboot') => {
    const url = new URL(`/power/control/${action}`, spec.url);
    url.searchParams.set('hostname', spec.pdu);
    url.searchParams.set('port', spec.port);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(spec.timeoutMs) });
    } catch (error) {
      throw new InfraError(`${board}: power ${action} through pdudaemon at ${spec.url} failed: ${(error as Error).message}`, { cause: error });
    }
    const body = (await response.text().catch(() => '')).trim().slice(0, 200);
    if (!response.ok) throw new InfraError(`${board}: pdudaemon refused power ${action} of ${spec.pdu} port ${spec.port}: HTTP ${response.status} ${body}`);
  };
  return { on: () => request('on'), off: () => request('off'), cycle: () => request('reboot') };
}
