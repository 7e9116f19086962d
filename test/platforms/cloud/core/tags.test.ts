import { describe, expect, it } from 'vitest';
import { labelRecord, readTags, sameRun, tagRecord, type CloudTags } from '../../../../platforms/cloud/core/tags.js';

const tags: CloudTags = { run: '2026-12-01T09-07-57-123Z', creator: 'ci@runner.example', expires: new Date('2026-12-01T10:07:57.000Z'), session: 'x86_64-0-1' };

describe('cloud tags', () => {
  it('read back from AWS/Azure tags and from GCP labels alike', () => {
    expect(tagRecord(tags)).toEqual({
      harness: '1',
      'harness-run': '2026-12-01T09-07-57-123Z',
      'harness-creator': 'ci@runner.example',
      'harness-expires': '2026-12-01T10:07:57.000Z',
      'harness-session': 'x86_64-0-1',
    });
    expect(readTags(tagRecord(tags))).toEqual(tags);
    const labels = labelRecord(tags);
    expect(labels).toEqual({
      harness: '1',
      'harness-run': '2026-12-01t09-07-57-123z',
      'harness-creator': 'ci-runner-example',
      'harness-expires': '20261201t100757z',
      'harness-session': 'x86_64-0-1',
    });
    for (const value of Object.values(labels)) expect(value).toMatch(/^[a-z0-9_-]{1,63}$/);
    expect(readTags(labels)?.expires).toEqual(tags.expires);
    expect(sameRun(readTags(labels)!.run, tags.run)).toBe(true);
    expect(sameRun('2026-12-01T09-07-57-123Z', '2026-12-01T09-07-57-124Z')).toBe(false);
  });

  it('are not the harness’s without harness=1, a run and a readable expiry', () => {
    const record = tagRecord(tags);
    expect(readTags(undefined)).toBeUndefined();
    expect(readTags({})).toBeUndefined();
    expect(readTags({ ...record, harness: 'true' })).toBeUndefined();
    expect(readTags({ ...record, 'harness-run': '' })).toBeUndefined();
    expect(readTags({ ...record, 'harness-expires': 'soon' })).toBeUndefined();
    expect(readTags({ ...record, 'harness-creator': undefined })?.creator).toBe('unknown');
  });
});
