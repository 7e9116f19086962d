import { describe, expect, it } from 'vitest';
import { platformOptions } from '../../platforms/registry.js';

describe('platformOptions', () => {
  it('registers a flag two kinds share once, with both descriptions', () => {
    const identity = platformOptions().filter((o) => o.flags.startsWith('--identity '));
    expect(identity).toHaveLength(1);
    expect(identity[0]!.description).toMatch(/^SSH: .*; QEMU: |^QEMU: .*; SSH: /);
    const longs = platformOptions().map((o) => o.flags.split(' ')[0]);
    expect(new Set(longs).size).toBe(longs.length);
  });
});
