import type { SerialSpec } from '../lab/schema.js';
import { openLocalUart } from './local-uart.js';
import { openTcpUart } from './tcp-uart.js';
import type { Wire } from './wire.js';

/** The wire a board's `serial:` entry describes: a local device, or ser2net over TCP. */
export function openWire(spec: SerialSpec): Promise<Wire> {
  if ('device' in spec) return openLocalUart(spec.device, spec.baud);
  const at = spec.tcp.lastIndexOf(':');
  return openTcpUart({ host: spec.tcp.slice(0, at), port: Number(spec.tcp.slice(at + 1)), protocol: spec.protocol, baud: spec.baud });
}
