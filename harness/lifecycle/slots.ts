/**
 * A counting semaphore for leases: what a platform can run at once (CPU slots for TCG guests, the
 * sessions one SSH host takes). Waiters are served first come, first served; an aborted wait leaves
 * the queue at once, so a stopped run does not wait for capacity it will never use.
 */
export class Slots {
  private free: number;
  private readonly waiting: { grant: () => void; reject: (error: unknown) => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new TypeError(`slots must be a positive integer, got ${String(size)}`);
    this.free = size;
  }

  /** Resolves with the function that gives the slot back; calling it twice gives back one slot. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        let given = false;
        resolve(() => {
          if (given) return;
          given = true;
          this.giveBack();
        });
      };
      const waiter = { grant, reject };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal.reason);
      };
      if (this.free > 0) {
        this.free--;
        grant();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private giveBack(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free++;
  }
}
