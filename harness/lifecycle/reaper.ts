/**
 * The one process-wide place that knows every live resource of a run (QEMU processes, temporary
 * directories, sockets). cli.ts owns the single instance and wires it to SIGINT/SIGTERM; everything
 * else receives it as a parameter, so tests can use their own.
 */
import type { Guardian } from './guardian.js';

export type Release = () => Promise<void>;

export class Reaper {
  /** Without a guardian (tests), a SIGKILLed harness relies on QEMU's parent-death signal alone. */
  constructor(readonly guardian?: Guardian) {}

  private readonly live = new Map<number, { what: string; release: Release }>();
  private nextId = 0;
  private stopReason: string | undefined;
  private readonly abort = new AbortController();

  /** Aborted once the run is stopped, for waits that should end then (a lease not yet granted). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Why the run is being stopped (a signal), once it is; new work must not start then. */
  get stopped(): string | undefined {
    return this.stopReason;
  }

  /** Stops the run: remembers why, then releases everything that is live. */
  stop(reason: string): Promise<{ what: string; error: unknown }[]> {
    this.stopReason ??= reason;
    this.abort.abort(new Error(reason));
    return this.reapAll();
  }

  /** Registers a release before the resource is fully set up (teardown before setup, LIFO). */
  add(what: string, release: Release): () => void {
    const id = this.nextId++;
    this.live.set(id, { what, release });
    return () => {
      this.live.delete(id);
    };
  }

  get size(): number {
    return this.live.size;
  }

  /** Releases everything, newest first; one failing release never stops the others. */
  async reapAll(): Promise<{ what: string; error: unknown }[]> {
    const failures: { what: string; error: unknown }[] = [];
    const entries = [...this.live.entries()].reverse();
    this.live.clear();
    for (const [, { what, release }] of entries) {
      try {
        await release();
      } catch (error) {
        failures.push({ what, error });
      }
    }
    return failures;
  }
}
