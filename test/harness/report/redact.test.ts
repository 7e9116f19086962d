import { describe, expect, it } from 'vitest';
import { RedactingReporter, redactor, secretsFrom } from '../../../harness/report/redact.js';
import type { CaseResult, Reporter, RunSummary } from '../../../harness/model/types.js';

describe('secretsFrom', () => {
  it('takes the values of credential-named variables long enough to be secrets', () => {
    expect(
      secretsFrom({
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
        LAB_PASSWORD: 'hunter22',
        GITHUB_TOKEN: 'ghp_abcdef123',
        PIN_PASSWORD: '12345',
        HOME: '/root',
        PATH: '/usr/bin',
      }).sort(),
    ).toEqual(['ghp_abcdef123', 'hunter22', 'wJalrXUtnFEMI/K7MDENG']);
  });
});

describe('redactor', () => {
  it('masks every occurrence in every nested string, longest secret first', () => {
    const redact = redactor(['hunter22', 'hunter22-extended']);
    expect(redact({ a: 'pw=hunter22-extended and hunter22', b: ['x hunter22'], n: 3, nested: { c: 'hunter22' } })).toEqual({
      a: 'pw=[redacted] and [redacted]',
      b: ['x [redacted]'],
      n: 3,
      nested: { c: '[redacted]' },
    });
  });

  it('masks secrets in keys too: a TAP YAML diagnostic may use one as a key', () => {
    const redact = redactor(['hunter22']);
    expect(redact({ diag: { hunter22: 'x', 'user hunter22': { hunter22: 1 } } })).toEqual({
      diag: { '[redacted]': 'x', 'user [redacted]': { '[redacted]': 1 } },
    });
  });

  it('returns values unchanged when there is no secret', () => {
    const value = { a: 'hunter22' };
    expect(redactor([])(value)).toBe(value);
  });
});

describe('RedactingReporter', () => {
  it('hands reporters results and summaries without the secret', () => {
    const seen: unknown[] = [];
    const inner: Reporter = { onCaseEnd: (r) => seen.push(r), onRunEnd: (s) => void seen.push(s) };
    const reporter = new RedactingReporter(inner, redactor(['s3cr3t-value']));
    const result = { caseId: 'c', reason: 'login with s3cr3t-value failed', containers: [{ stdout: 'echo s3cr3t-value' }] } as unknown as CaseResult;
    reporter.onCaseEnd(result);
    reporter.onRunEnd({ results: [result] } as unknown as RunSummary);
    expect(JSON.stringify(seen)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(seen)).toContain('[redacted]');
    expect(result.reason).toBe('login with s3cr3t-value failed');
  });
});
