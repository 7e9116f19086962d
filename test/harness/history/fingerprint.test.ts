import { describe, expect, it } from 'vitest';
import { fingerprintKey } from '../../../harness/history/fingerprint.js';
import { FINGERPRINT } from './history-fixture.js';

describe('fingerprintKey', () => {
  it('is the first 16 hex digits of sha256 over the key-sorted JSON, pinned: stored histories find baselines by it', () => {
    // printf '%s' '{"accel":"tcg","cpu":"max","hostCpu":"AMD EPYC 7B13","machine":"q35","qemu":"8.2.2"}' | sha256sum
    expect(fingerprintKey(FINGERPRINT)).toBe('78685da439a0e9db');
  });

  it('does not depend on key order', () => {
    const reordered = { cpu: 'max', machine: 'q35', accel: 'tcg', qemu: '8.2.2', hostCpu: 'AMD EPYC 7B13' };
    expect(fingerprintKey(reordered)).toBe(fingerprintKey(FINGERPRINT));
  });

  it('changes with any field', () => {
    const keys = Object.keys(FINGERPRINT).map((field) => fingerprintKey({ ...FINGERPRINT, [field]: 'other' }));
    expect(new Set([...keys, fingerprintKey(FINGERPRINT)]).size).toBe(keys.length + 1);
  });
});
