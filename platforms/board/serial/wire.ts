import { InfraError } from '../../../harness/model/errors.js';

/** How a wire ended: unplugged or dropped by the far end, or closed by us. */
export interface WireEnd {
  byUs: boolean;
  reason: string;
}

/**
 * A byte pipe to a board's UART, local (a tty) or exported over the network (ser2net). Only the two
 * primitives a console needs, as labgrid's SerialDriver: the console, pacing and checks sit on top.
 */
export interface Wire {
  /** For messages: `/dev/ttyUSB0`, `ser2net 10.0.0.2:3001 (rfc2217)`. */
  readonly name: string;
  onData(listener: (chunk: Buffer) => void): void;
  /** Damaged bytes the far end reported (RFC 2217 line-state), for the baud check. */
  onDamage(listener: (count: number) => void): void;
  write(data: Buffer): Promise<void>;
  /** Resolves once, when the wire is gone. */
  readonly ended: Promise<WireEnd>;
  close(): Promise<void>;
}

/** A wire that could not be opened yet; `retry` says waiting may help (the device is not there yet). */
export class WireOpenError extends InfraError {
  constructor(
    message: string,
    readonly retry: boolean,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Opens a wire, trying again while the far end is not there yet: a USB adapter powered by the board,
 * an emulated board's pty, a ser2net whose device does not exist until power-on. Gives up at
 * `deadlineMs` (on `clock`) with the last reason.
 */
export async function openWithRetry(open: () => Promise<Wire>, deadlineMs: number, clock: Clock, signal?: AbortSignal): Promise<Wire> {
  for (let delay = 50; ; delay = Math.min(500, delay * 2)) {
    try {
      return await open();
    } catch (error) {
      if (!(error instanceof WireOpenError) || !error.retry || clock.now() + delay > deadlineMs || signal?.aborted) throw error;
    }
    await clock.sleep(delay, signal);
  }
}
