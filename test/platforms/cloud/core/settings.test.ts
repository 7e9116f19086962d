import { describe, expect, it } from 'vitest';
import { cloudSettings } from '../../../../platforms/cloud/core/settings.js';
import { runnerCidr } from '../../../../platforms/cloud/core/runner-address.js';

describe('cloud settings', () => {
  it('have defaults and read every flag', () => {
    expect(cloudSettings({})).toEqual({ maxInstances: 4, lifetimeMs: 3_600_000, trustOnFirstUse: false });
    expect(cloudSettings({ maxInstances: '8', maxLifetime: '30m', trustOnFirstUse: true, cloudRunnerIp: '203.0.113.9', cloudUser: 'ubuntu' })).toEqual({
      maxInstances: 8,
      lifetimeMs: 1_800_000,
      trustOnFirstUse: true,
      runnerCidr: '203.0.113.9/32',
      user: 'ubuntu',
    });
  });

  it.each([
    [{ maxInstances: '0' }, '--max-instances'],
    [{ maxInstances: 'many' }, '--max-instances'],
    [{ maxLifetime: '1m' }, '--max-lifetime'],
    [{ maxLifetime: '48h' }, '--max-lifetime'],
    [{ maxLifetime: 'forever' }, '--max-lifetime'],
    [{ cloudRunnerIp: '0.0.0.0' }, '--cloud-runner-ip'],
    [{ cloudRunnerIp: '10.0.0.0/8' }, '--cloud-runner-ip'],
    [{ cloudRunnerIp: '::1' }, '--cloud-runner-ip'],
    [{ cloudUser: 'Root;rm' }, '--cloud-user'],
  ])('refuse %j naming %s', (options, flag) => {
    expect(() => cloudSettings(options)).toThrow(expect.objectContaining({ name: 'UsageError', where: flag }));
  });

  it('open SSH to exactly one address', () => {
    expect(runnerCidr(' 198.51.100.7\n', 'x')).toBe('198.51.100.7/32');
    expect(() => runnerCidr('0.0.0.0', 'x')).toThrow(/not a single host/);
  });
});
