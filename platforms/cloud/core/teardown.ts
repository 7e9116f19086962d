import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import { InternalError } from '../../../harness/model/errors.js';
import { sleep } from './poll.js';

/** Deletes one resource if it is there; throws when it should be tried again (still in use, throttled). */
export type Undo = (signal: AbortSignal) => Promise<void>;

export interface TeardownOptions {
  /** The whole teardown's time: a VM's needs its own budget, beyond any case or boot timeout. */
  budgetMs: number;
  /** Pause before trying a failed step again. */
  retryMs: number;
}

export interface TeardownResult {
  deleted: string[];
  /** What is left for `harness cloud gc` to find by its tags, and why. */
  failed: { what: string; error: string }[];
}

export const DEFAULT_TEARDOWN: TeardownOptions = { budgetMs: 15 * 60_000, retryMs: 5_000 };

/** Waits for `promise` to settle, or for `signal` to abort, leaving no listener behind. */
async function settledOrAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The undo steps of one instance's resources, each queued before its resource is created, so a
 * create that fails half-way (or whose answer never came) is still undone. Steps run newest first:
 * the instance goes before the key pair and firewall it used. A failing step is tried again until
 * the budget is spent, and never stops the older ones. The whole is one reaper entry, so SIGINT,
 * SIGTERM and the run's end reach it; `run()` is idempotent and never throws.
 */
export class Teardown {
  private readonly steps: { what: string; undo: Undo }[] = [];
  private running: Promise<TeardownResult> | undefined;
  private readonly unregister: () => void;

  constructor(
    reaper: Reaper,
    what: string,
    private readonly options: TeardownOptions = DEFAULT_TEARDOWN,
  ) {
    this.unregister = reaper.add(what, async () => {
      await this.run();
    });
  }

  /** Queues the undo of a resource about to be created. */
  add(what: string, undo: Undo): void {
    if (this.running) throw new InternalError(`${what}: created after its teardown began`);
    this.steps.push({ what, undo });
  }

  /**
   * Queues `undo`, then creates. The undo first waits for the create call to settle (deleting before
   * it lands would miss it), then gets what it made, or undefined when the answer never came: it
   * must then find the resource by name or tag.
   */
  async create<T>(what: string, create: () => Promise<T>, undo: (made: T | undefined, signal: AbortSignal) => Promise<void>): Promise<T> {
    let made: T | undefined;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.add(what, async (signal) => {
      await settledOrAborted(settled, signal);
      await undo(made, signal);
    });
    try {
      made = await create();
      return made;
    } finally {
      settle();
    }
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  run(): Promise<TeardownResult> {
    this.running ??= this.execute();
    return this.running;
  }

  private async execute(): Promise<TeardownResult> {
    const result: TeardownResult = { deleted: [], failed: [] };
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(new Error(`teardown budget of ${this.options.budgetMs} ms spent`)), this.options.budgetMs);
    try {
      for (const step of [...this.steps].reverse()) {
        const error = await this.attempt(step.undo, budget.signal);
        if (error === undefined) result.deleted.push(step.what);
        else result.failed.push({ what: step.what, error });
      }
    } finally {
      clearTimeout(timer);
      this.unregister();
    }
    return result;
  }

  /** Tries one step until it succeeds or the budget is spent; every step gets at least one try. */
  private async attempt(undo: Undo, budget: AbortSignal): Promise<string | undefined> {
    for (;;) {
      const signal = budget.aborted ? AbortSignal.timeout(this.options.retryMs) : budget;
      try {
        await undo(signal);
        return undefined;
      } catch (error) {
        if (budget.aborted) return message(error);
        try {
          await sleep(this.options.retryMs, budget);
        } catch {
          return message(error);
        }
      }
    }
  }
}
