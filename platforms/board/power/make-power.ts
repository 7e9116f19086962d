import type { Power } from '../../platform.js';
import type { PowerSpec } from '../lab/schema.js';
import { commandPower } from './command-power.js';
import { manualPower, type Operator } from './manual-power.js';
import { pduDaemonPower } from './pdudaemon-power.js';

/** The driver a board's `power:` entry names. */
export function makePower(spec: PowerSpec, board: string, cwd: string, operator: Operator): Power {
  switch (spec.driver) {
    case 'command':
      return commandPower({ on: spec.on, off: spec.off, cycle: spec.cycle, timeoutMs: spec.timeout, cwd }, board);
    case 'pdudaemon':
      return pduDaemonPower({ url: spec.url, pdu: spec.pdu, port: spec.port, timeoutMs: spec.timeout }, board);
    case 'manual':
      return manualPower(operator, board);
  }
}
