import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/model/errors.js';
import { HumanReporter } from '../../../harness/report/human.js';
import { createReporters, defaultReporterNames, githubOptionsFromEnv } from '../../../harness/report/index.js';
import { GithubReporter } from '../../../harness/report/github.js';
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
    const attempt = () => createReporters(['human', 'htm'], opts);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow('--reporter: unknown reporter "htm"; choose from human, tap, junit, json, html, github');
    expect(() => createReporters(['toString'], opts)).toThrow(UsageError);
  });
});

describe('defaultReporterNames', () => {
  it('adds github only inside GitHub Actions', () => {
    expect(defaultReporterNames({})).toEqual(['human', 'tap', 'junit', 'json', 'html']);
    expect(defaultReporterNames({ GITHUB_ACTIONS: 'false' })).toEqual(['human', 'tap', 'junit', 'json', 'html']);
    expect(defaultReporterNames({ GITHUB_ACTIONS: 'true' })).toEqual(['human', 'tap', 'junit', 'json', 'html', 'github']);
  });

  it("takes the github reporter's workspace and summary file from GitHub's variables", () => {
    expect(githubOptionsFromEnv({ GITHUB_WORKSPACE: '/w', GITHUB_STEP_SUMMARY: '/s.md' })).toEqual({ workspace: '/w', stepSummary: '/s.md' });
    expect(githubOptionsFromEnv({ GITHUB_STEP_SUMMARY: '' })).toEqual({ workspace: undefined, stepSummary: undefined });
    expect(createReporters(['github'], { ...opts, ...githubOptionsFromEnv({}) }).map((r) => r.constructor)).toEqual([GithubReporter]);
  });
});
