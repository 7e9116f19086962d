/**
 * Makes sessions ask for their leases in the plan's order (longest first) while each still prepares
 * its payload at its own pace beforehand. Leases are granted first come, first served, so without
 * this the sessions with the least to pack (self-testing images, one-case boots) took the first
 * slots and the longest session started last, with the other slots idle while it ran.
 */
export class LeaseOrder {
  private readonly turns = new Map<string, Promise<void>>();
  private readonly asks = new Map<string, () => void>();

  constructor(ids: readonly string[]) {
    let previous = Promise.resolve();
    for (const id of ids) {
      this.turns.set(id, previous);
      previous = new Promise((resolve) => this.asks.set(id, resolve));
    }
  }

  /** Resolves once every session before `id` has asked; one outside the order (a retry) goes at once. */
  turn(id: string): Promise<void> {
    return this.turns.get(id) ?? Promise.resolve();
  }

  /** `id` has asked for its lease, or will never ask (it ended first): the next one's turn. Idempotent. */
  asked(id: string): void {
    this.asks.get(id)?.();
  }
}
