import { ConsoleLog } from '../../../harness/console/console-log.js';
import { InfraError } from '../../../harness/model/errors.js';
import type { Console } from '../../platform.js';
import { BaudCheck } from './baud-check.js';
import { PacedWriter } from './paced-writer.js';
import type { Clock, Wire } from './wire.js';

export interface BoardConsoleOptions {
  board: string;
  logPath: string;
  /** Masked in the log file (a login password echoed back). */
  secrets: readonly string[];
  baud: number;
  linePauseMs: number;
  clock: Clock;
  /** ms since the machine started, for stamping chunks. */
  now(): number;
  /** The console cannot be trusted any more (log unwritable, baud mismatch): the machine ends as infra. */
  onBroken(error: InfraError): void;
}

/** Start bits and stop bits: a byte takes ten bit times on an 8N1 line. */
const BITS_PER_BYTE = 10;

/**
 * A board's UART as the core's Console: every byte stamped into the log, writes paced at the line
 * rate, and a watch for the noise a wrong baud rate makes. Listeners only ever see logged bytes.
 */
export function boardConsole(wire: Wire, options: BoardConsoleOptions): Console {
  const log = new ConsoleLog({ path: options.logPath, secrets: options.secrets });
  const listeners = new Set<(chunk: Buffer, atMs: number) => void>();
  const baud = new BaudCheck(options.baud);
  let broken = false;
  const breakWith = (error: InfraError) => {
    if (broken) return;
    broken = true;
    options.onBroken(error);
  };
  wire.onDamage((count) => baud.damaged(count));
  wire.onData((chunk) => {
    if (broken) return;
    const at = options.now();
    try {
      log.push(chunk, at);
    } catch (error) {
      breakWith(new InfraError(`cannot write the console log ${log.path}: ${(error as Error).message}`, { machine: options.board, cause: error }));
      return;
    }
    const mismatch = baud.push(chunk);
    if (mismatch) {
      breakWith(new InfraError(`${options.board} (${wire.name}): ${mismatch}`, { machine: options.board }));
      return;
    }
    for (const listener of listeners) listener(chunk, at);
  });
  const writer = new PacedWriter((data) => wire.write(data), options.baud / BITS_PER_BYTE, options.linePauseMs, options.clock);
  return {
    log,
    onData: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // A wire that went away fails the write as the infrastructure fault it is, naming the UART.
    write: (data) =>
      writer.write(data).catch((error: Error) => {
        throw new InfraError(`${options.board}: cannot write to the UART (${wire.name}): ${error.message}`, { machine: options.board, cause: error });
      }),
  };
}
