import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Guardian } from '../../../harness/lifecycle/guardian.js';
import { InternalError } from '../../../harness/model/errors.js';

describe('Guardian paths', () => {
  const guardian = Guardian.start();
  // What a split line would register for removal: a folder of the test's own, should the check fail.
  const canary = mkdtempSync(join(tmpdir(), 'guardian-canary-'));
  afterAll(() => {
    guardian.close();
    rmSync(canary, { recursive: true, force: true });
  });

  // One line a path: a newline would register a second path of the attacker's choosing for removal,
  // a CR ends a line for readline too, and a NUL makes the guardian's rmSync throw before the rest.
  it.each([`/tmp/harness-x\nadd path ${canary}`, `/tmp/harness-x\radd path ${canary}`, '/tmp/harness-\0x'])(
    'refuses to register or release %j',
    (path) => {
      expect(() => guardian.guardPath(path)).toThrow(InternalError);
      expect(() => guardian.guardPath(path)).toThrow(`${JSON.stringify(path)} cannot be guarded`);
      expect(() => guardian.releasePath(path)).toThrow(JSON.stringify(path));
    },
  );

  it('registers an ordinary path, spaces and all', () => {
    expect(() => guardian.guardPath('/tmp/harness with spaces')).not.toThrow();
    expect(() => guardian.releasePath('/tmp/harness with spaces')).not.toThrow();
  });
});
