import type {
  BootRecord,
  CaseResult,
  PhaseName,
  Reporter,
  RunInfo,
  RunSummary,
} from '../model/types.js';

export interface ReporterFailure {
  /** The reporter's class name, or its position when it has none. */
  reporter: string;
  hook: keyof Reporter;
  error: unknown;
}

/**
 * Fans every event out to all reporters. One broken writer must not break the run or silence the
 * others, so each call is isolated and its error kept for the CLI to log and turn into an exit
 * status; nothing is printed here.
 */
export class ReporterMux implements Reporter {
  readonly #reporters: readonly Reporter[];
  readonly #failures: ReporterFailure[] = [];

  constructor(reporters: readonly Reporter[]) {
    this.#reporters = reporters;
  }

  errors(): ReporterFailure[] {
    return [...this.#failures];
  }

  async onRunBegin(info: RunInfo): Promise<void> {
    await this.#fanAsync('onRunBegin', (r) => r.onRunBegin?.(info));
  }

  onBootBegin(bootId: string, platform: string): void {
    this.#fan('onBootBegin', (r) => r.onBootBegin?.(bootId, platform));
  }

  onBootPhase(bootId: string, phase: PhaseName, atMs: number): void {
    this.#fan('onBootPhase', (r) => r.onBootPhase?.(bootId, phase, atMs));
  }

  onCaseBegin(caseId: string, platform: string): void {
    this.#fan('onCaseBegin', (r) => r.onCaseBegin?.(caseId, platform));
  }

  onCaseEnd(result: CaseResult): void {
    this.#fan('onCaseEnd', (r) => r.onCaseEnd?.(result));
  }

  onBootEnd(record: BootRecord): void {
    this.#fan('onBootEnd', (r) => r.onBootEnd?.(record));
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    await this.#fanAsync('onRunEnd', (r) => r.onRunEnd?.(summary));
  }

  #name(reporter: Reporter, index: number): string {
    const ctor: unknown = Object.getPrototypeOf(reporter)?.constructor;
    const name = typeof ctor === 'function' && ctor !== Object ? ctor.name : '';
    return name || `reporter #${index}`;
  }

  #record(hook: keyof Reporter, reporter: Reporter, error: unknown): void {
    this.#failures.push({
      reporter: this.#name(reporter, this.#reporters.indexOf(reporter)),
      hook,
      error,
    });
  }

  #fan(hook: keyof Reporter, call: (r: Reporter) => unknown): void {
    for (const reporter of this.#reporters) {
      try {
        const result = call(reporter);
        // A sync hook written as async would otherwise reject unobserved and crash the process.
        if (result instanceof Promise) result.catch((error) => this.#record(hook, reporter, error));
      } catch (error) {
        this.#record(hook, reporter, error);
      }
    }
  }

  async #fanAsync(hook: keyof Reporter, call: (r: Reporter) => unknown): Promise<void> {
    // One at a time in list order, so what reporters print or write never interleaves.
    for (const reporter of this.#reporters) {
      try {
        await call(reporter);
      } catch (error) {
        this.#record(hook, reporter, error);
      }
    }
  }
}
