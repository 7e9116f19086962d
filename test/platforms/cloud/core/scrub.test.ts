import { describe, expect, it } from 'vitest';
import { errorText, scrubMessage } from '../../../../platforms/cloud/core/scrub.js';

describe('scrubMessage', () => {
  it('masks URL queries, signature parameters and authorization values', () => {
    expect(scrubMessage('GET https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA failed')).toBe('GET https://b.s3.amazonaws.com/k?[redacted] failed');
    expect(scrubMessage('header Authorization: Bearer eyJhbGciOi.payload.sig rejected')).toBe('header Authorization: [redacted] rejected');
    expect(scrubMessage('{"authorization":"SharedKey acct:abc="}')).toBe('{"authorization":"[redacted]"}');
    expect(scrubMessage('token sig=abc%2Fdef expired')).toBe('token sig=[redacted] expired');
    expect(scrubMessage('x'.repeat(5000))).toHaveLength(2000);
  });

  it('takes only an error’s message, never the request it carries', () => {
    const error = Object.assign(new Error('AuthFailure'), { $metadata: { secret: 'AKIA-SECRET' }, request: { headers: { authorization: 'x' } } });
    expect(errorText(error)).toBe('AuthFailure');
  });
});
