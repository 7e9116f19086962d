import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/model/errors.js';
import { HumanReporter } from '../../../harness/report/human.js';
import { createReporters } from '../../../harness/report/index.js';
import { JsonReporter } from '../../../harness/report/json.js';
import { JunitReporter } from '../../../harness/report/junit.js';
import { TapReporter } from '../../../harness/report/tap-reporter.js';

const opts = { outDir: '/tmp/out', write: () => {}, color: false, live: false };

describe('createReporters', () => {
  it('builds the named reporters in order, once each', () => {
    const reporters = createReporters(['json', 'human', 'tap', 'junit', 'json'], opts);
    expect(reporters.map((r) => r.constructor)).toEqual([JsonReporter, HumanReporter, TapReporter, JunitReporter]);
  });

  it('rejects an unknown name as a usage error on --reporter', () => {
    const attempt = () => createReporters(['human', 'html'], opts);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow('--reporter: unknown reporter "html"; choose from human, tap, junit, json');
    expect(() => createReporters(['toString'], opts)).toThrow(UsageError);
  });
});
