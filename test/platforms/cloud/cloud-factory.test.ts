import { describe, expect, it } from 'vitest';
import { Reaper } from '../../../harness/lifecycle/reaper.js';
import { cloudFactories } from '../../../platforms/cloud/index.js';
import type { PlatformContext } from '../../../platforms/platform.js';
import { FakeConnector } from '../../support/fake-cloud.js';

const factories = cloudFactories({ connector: new FakeConnector() });
const AWS = { awsImage: 'ami-0123456789abcdef0', awsRegion: 'eu-west-1' };
const GCP = { gcpProject: 'harness-ci', gcpZone: 'europe-west1-b', gcpImage: 'linuxkit' };
const AZURE = {
  azureSubscription: '00000000-0000-0000-0000-000000000001',
  azureResourceGroup: 'harness-rg',
  azureLocation: 'westeurope',
  azureImage: 'Canonical:ubuntu-24_04-lts:server:latest',
  azureSubnet: '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/default',
};

function create(name: string, options: Record<string, unknown>) {
  const memo = new Map<string, unknown>();
  const context: PlatformContext = {
    reaper: new Reaper(),
    cacheDir: '/tmp/harness-cache',
    options,
    runId: '2026-12-01T09-00-00-000Z',
    shared: <T>(key: string, make: () => T) => (memo.has(key) ? memo.get(key) : memo.set(key, make()).get(key)) as T,
  };
  return factories.map((f) => f.create(name, context)).find((p) => p !== undefined);
}

describe('cloud factories', () => {
  it('make one cloud platform per name, without touching the cloud', () => {
    for (const [name, options] of [['aws:t3.micro', AWS], ['gcp:e2-small', GCP], ['azure:Standard_B2s', AZURE]] as const) {
      const [platform] = create(name, options)!;
      expect(platform).toMatchObject({ name, kind: 'cloud', runs: 'host' });
    }
    expect(create('qemu:x86_64', AWS)).toBeUndefined();
    expect(factories.flatMap((f) => f.forms)).toEqual(['aws:<instance-type>', 'gcp:<machine-type>', 'azure:<vm-size>']);
  });

  it.each([
    ['aws:t3.micro', {}, '--aws-image'],
    ['aws:t3.micro', { ...AWS, awsImage: 'ubuntu' }, '--aws-image'],
    ['aws:t3.micro', { awsImage: AWS.awsImage }, '--aws-region'],
    ['aws:t3.micro', { ...AWS, awsRegion: 'Europe' }, '--aws-region'],
    ['aws:t3.micro', { ...AWS, awsSubnet: 'default' }, '--aws-subnet'],
    ['aws:T3 Micro', AWS, '--platform'],
    ['gcp:e2-small', { ...GCP, gcpProject: undefined }, '--gcp-project'],
    ['gcp:e2-small', { ...GCP, gcpZone: 'europe' }, '--gcp-zone'],
    ['gcp:e2-small', { ...GCP, gcpImage: undefined }, '--gcp-image'],
    ['gcp:e2-small', { ...GCP, gcpNetwork: 'Bad Net' }, '--gcp-network'],
    ['azure:Standard_B2s', { ...AZURE, azureSubscription: 'mine' }, '--azure-subscription'],
    ['azure:Standard_B2s', { ...AZURE, azureResourceGroup: undefined }, '--azure-resource-group'],
    ['azure:Standard_B2s', { ...AZURE, azureLocation: 'West Europe' }, '--azure-location'],
    ['azure:Standard_B2s', { ...AZURE, azureImage: 'ubuntu' }, '--azure-image'],
    ['azure:Standard_B2s', { ...AZURE, azureSubnet: 'default' }, '--azure-subnet'],
    ['azure:B2s', AZURE, '--platform'],
    ['aws:t3.micro', { ...AWS, maxInstances: '0' }, '--max-instances'],
    ['gcp:e2-small', { ...GCP, maxLifetime: '2d' }, '--max-lifetime'],
    ['azure:Standard_B2s', { ...AZURE, cloudRunnerIp: '0.0.0.0' }, '--cloud-runner-ip'],
  ])('%s with %j is a usage error naming %s', (name, options, flag) => {
    expect(() => create(name, options)).toThrow(expect.objectContaining({ name: 'UsageError', where: flag }));
  });

  it('share one set of common flags', () => {
    const flags = factories.flatMap((f) => f.options.map((o) => o.flags));
    expect(flags.filter((f) => f === '--max-instances <n>')).toHaveLength(3);
    expect(new Set(flags).size).toBe(5 + 3 + 4 + 5);
  });
});
