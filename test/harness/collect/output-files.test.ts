import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputFile } from '../../../harness/collect/output-files.js';
import { InternalError } from '../../../harness/model/errors.js';

describe('outputFile', () => {
  it('puts each boot and each case in a folder of its own', () => {
    expect(outputFile('/o/boots', 'x86_64-0-1', 'mm-x', 'y.z', 'stdout')).toBe(join('/o/boots', 'x86_64-0-1', 'mm-x', 'y.z.stdout'));
  });

  it('keeps case mm-x container y.z apart from case mm-x.y container z, which once shared a file', () => {
    expect(outputFile('/o', 'b', 'mm-x', 'y.z', 'stdout')).not.toBe(outputFile('/o', 'b', 'mm-x.y', 'z', 'stdout'));
  });

  it('gives every combination of names its own file', () => {
    // Every name of 1 to 3 characters from the ones that make trouble: separators, dots, dashes.
    const alphabet = ['a', '0', '.', '-', '_'];
    const names: string[] = [];
    const grow = (prefix: string): void => {
      if (prefix && /^[a-z0-9]/.test(prefix)) names.push(prefix);
      if (prefix.length < 3) for (const c of alphabet) grow(prefix + c);
    };
    grow('');
    const seen = new Map<string, string>();
    for (const boot of ['a', 'a.a', 'a-0']) {
      for (const caseId of names) {
        for (const container of names) {
          for (const stream of ['stdout', 'stderr'] as const) {
            const file = outputFile('/o', boot, caseId, container, stream);
            const who = JSON.stringify([boot, caseId, container, stream]);
            expect(seen.get(file) ?? who).toBe(who);
            seen.set(file, who);
          }
        }
      }
    }
    expect(seen.size).toBe(3 * names.length * names.length * 2);
  });

  it.each([['..'], ['.'], ['a/b'], [''], ['a\nb'], ['-x']])('refuses %j as a name, a harness bug since names are checked on load', (bad) => {
    expect(() => outputFile('/o', 'b', bad, 'c', 'stdout')).toThrow(InternalError);
    expect(() => outputFile('/o', 'b', 'c', bad, 'stdout')).toThrow(`container name ${JSON.stringify(bad)}`);
    expect(() => outputFile('/o', bad, 'c', 'd', 'stderr')).toThrow(`boot id ${JSON.stringify(bad)}`);
  });
});
