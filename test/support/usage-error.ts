import { expect } from 'vitest';
import { UsageError } from '../../harness/model/errors.js';

/** The message of the UsageError `fn` throws; fails the test when it throws nothing or something else. */
export function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('did not throw');
}
