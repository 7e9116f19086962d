import { InfraError } from '../../../harness/model/errors.js';

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  /** What is being waited for, for the error: "i-0abc to run". */
  what: string;
  phase?: string;
}

/** Sleeps `ms`, or less when `signal` aborts (then rejects with its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `probe` every `intervalMs` until it returns a value; throws an InfraError naming `what` once
 * `timeoutMs` has passed. A probe that throws ends the wait with its error: the caller decides what
 * is worth another try.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new InfraError(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`, { phase: options.phase });
    await sleep(Math.min(options.intervalMs, left), options.signal);
  }
}
