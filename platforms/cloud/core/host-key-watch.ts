import type { ConsoleLog } from '../../../harness/console/console-log.js';
import { parseHostKeyBlock, type HostKey } from '../../../harness/console/host-key-block.js';

const BEGIN = /-----BEGIN SSH HOST KEY (?:FINGERPRINTS|KEYS)-----/;
const END = /-----END SSH HOST KEY (?:FINGERPRINTS|KEYS)-----/;
/** cloud-init's blocks have a line per key; anything longer is not one. */
const MAX_BLOCK_LINES = 64;

/**
 * Collects the host-key blocks a guest prints on its console. Only what arrives before `freeze()`
 * counts: once the harness has connected, cases run, and a case that can write to the console must
 * not be able to add a key.
 */
export class HostKeyWatch {
  private readonly keys = new Map<string, HostKey>();
  private block: string[] | undefined;
  private frozen = false;
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(log: ConsoleLog) {
    this.unsubscribe = log.onLine((line) => this.line(line));
  }

  /** Keys seen so far, once each. */
  get found(): HostKey[] {
    return [...this.keys.values()];
  }

  /** Resolves at the first block that yields a key (at once if one came already). */
  next(): Promise<void> {
    if (this.keys.size) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  freeze(): void {
    this.frozen = true;
    this.unsubscribe();
  }

  private line(line: string): void {
    if (this.frozen) return;
    if (BEGIN.test(line)) this.block = [];
    if (!this.block) return;
    this.block.push(line);
    if (this.block.length > MAX_BLOCK_LINES) this.block = undefined;
    else if (END.test(line)) {
      for (const key of parseHostKeyBlock(this.block.join('\n'))) this.keys.set(key.fingerprint, key);
      this.block = undefined;
      if (this.keys.size) for (const wake of this.waiters) wake();
      this.waiters.clear();
    }
  }
}
