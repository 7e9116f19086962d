import { describe, expect, it } from 'vitest';
import { nearMiss } from '../../../harness/select/schema-issues.js';

describe('nearMiss', () => {
  const keys = ['platform', 'retries', 'infra-retries', 'channel', 'env', 'run'];

  it('finds a name spelt with other case, dashes or underscores', () => {
    expect(nearMiss('infra_retries', keys)).toBe('infra-retries');
    expect(nearMiss('Platform', keys)).toBe('platform');
  });

  it('finds a typo or two in a longer name, and one in a short name', () => {
    expect(nearMiss('retires', keys)).toBe('retries');
    expect(nearMiss('chanel', keys)).toBe('channel');
    expect(nearMiss('paltform', keys)).toBe('platform');
    expect(nearMiss('envs', keys)).toBe('env');
    expect(nearMiss('x68', ['x86', 'arm'])).toBe('x86');
  });

  it('suggests nothing for a name unlike any', () => {
    expect(nearMiss('colour', keys)).toBeUndefined();
    expect(nearMiss('ab', keys)).toBeUndefined();
  });
});
