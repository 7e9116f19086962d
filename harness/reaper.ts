/**
 * The one process-wide place that knows every live resource of a run (QEMU processes, temporary
 * directories, sockets). cli.ts owns the single instance and wires it to SIGINT/SIGTERM; everything
 * else receives it as a parameter, so tests can use their own.
 */
export type Release = () => Promise<void>;

export class Reaper {
  private readonly live = new Map<number, { what: string; release: Release }>();
  private nextId = 0;

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
