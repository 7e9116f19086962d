import { InfraError } from '../../../harness/model/errors.js';
import type { Power } from '../../platform.js';

/** Someone at the bench: a question on the terminal, answered with Enter. */
export interface Operator {
  /** False without a terminal on stdin, or in CI, where nobody could answer. */
  readonly present: boolean;
  ask(question: string): Promise<void>;
}

/** Power switched by hand: fails at once where nobody can be asked, instead of waiting forever. */
export function manualPower(operator: Operator, board: string): Power {
  const ask = async (what: string) => {
    if (!operator.present) {
      throw new InfraError(`${board}: its power is switched by hand (power: manual), but nobody can be asked: stdin is not a terminal or CI is set`);
    }
    await operator.ask(`${board}: ${what}, then press Enter `);
  };
  return {
    on: () => ask('switch the board ON'),
    off: () => ask('switch the board OFF'),
    cycle: () => ask('switch the board OFF and ON again'),
  };
}
