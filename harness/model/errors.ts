import type { ErrorClass } from './types.js';

/** Context every classified error carries, so reports can say where it happened. */
export interface ErrorContext {
  machine?: string;
  phase?: string;
  cause?: unknown;
}

/**
 * Base of the failure taxonomy (DESIGN.md §7). Retry logic and reporters switch on `errorClass`,
 * never on message text.
 */
export abstract class HarnessFailure extends Error {
  abstract readonly errorClass: ErrorClass;
  readonly machine?: string;
  readonly phase?: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.machine = context.machine;
    this.phase = context.phase;
  }
}

/** Could not boot, a channel vanished, a tool is missing: not the image's fault. */
export class InfraError extends HarnessFailure {
  override readonly name = 'InfraError';
  readonly errorClass = 'infra' as const;
}

/** The image failed to come up: panic, no ready marker, reset loop. */
export class BootError extends HarnessFailure {
  override readonly name = 'BootError';
  readonly errorClass = 'boot' as const;
}

export class TimeoutError extends HarnessFailure {
  override readonly name = 'TimeoutError';
  readonly errorClass = 'timeout' as const;
}

/** A bug in the harness itself. */
export class InternalError extends HarnessFailure {
  override readonly name = 'HarnessError';
  readonly errorClass = 'harness' as const;
}

/** Bad input: a case file, a flag, an image. Exits 2; `where` is `file:line` or `--flag`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}

export function classify(error: unknown): ErrorClass {
  return error instanceof HarnessFailure ? error.errorClass : 'harness';
}
