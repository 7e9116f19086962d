import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeInstanceTypesCommand,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsProvider } from '../../../../platforms/cloud/aws/ec2-provider.js';
import { announcedHostKey, FakeConnector, fakeCloudPlatform } from '../../../support/fake-cloud.js';
import { ec2World, type Ec2WorldOptions } from './ec2-world.js';

const hostKeyBlock = () => announcedHostKey('ec2: ');

function rig(world: Ec2WorldOptions = {}, connector = new FakeConnector()) {
  const w = ec2World(world);
  const provider = new AwsProvider(w.ec2, { region: 'eu-west-1', image: 'ami-0123456789abcdef0', instanceType: 't3.micro', pollMs: 2 });
  return { ...w, provider, connector, ...fakeCloudPlatform(provider, connector, { lifetimeMs: 30 * 60_000 }) };
}

const HARNESS_TAGS = [
  { Key: 'harness', Value: '1' },
  { Key: 'harness-run', Value: '2026-12-01T09-00-00-000Z' },
  { Key: 'harness-creator', Value: 'tester@runner' },
  { Key: 'harness-expires', Value: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
  { Key: 'harness-session', Value: 'x86_64-0-0' },
];

describe('the AWS provider', () => {
  it('makes a tagged key pair, a security group open to the runner only, and a self-ending instance, then deletes them', async () => {
    const key = hostKeyBlock();
    const boot = '[    0.000000] Linux version 6.1.0\n';
    // The rest is printed only after the first console poll was answered, so the provider must poll on.
    let polls = 0;
    const r = rig({ console: () => (polls++ === 0 ? boot : `${boot}[    2.000000] Run /init as init process\n${key.text}`), pendingPolls: 2 });
    const machine = await r.start();

    const imported = r.mock.commandCalls(ImportKeyPairCommand)[0]!.args[0].input;
    expect(imported.KeyName).toMatch(/^harness-[0-9a-f]{8}-x86-64-0-0$/);
    expect(Buffer.from(imported.PublicKeyMaterial!).toString()).toMatch(/^ssh-ed25519 AAAA/);
    expect(imported.TagSpecifications).toEqual([{ ResourceType: 'key-pair', Tags: HARNESS_TAGS }]);

    const group = r.mock.commandCalls(CreateSecurityGroupCommand)[0]!.args[0].input;
    expect(group).toMatchObject({ GroupName: imported.KeyName, VpcId: 'vpc-default', TagSpecifications: [{ ResourceType: 'security-group', Tags: HARNESS_TAGS }] });
    const ingress = r.mock.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.IpPermissions).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '198.51.100.7/32', Description: 'harness runner' }] }]);
    expect(JSON.stringify(ingress)).not.toContain('0.0.0.0/0');

    const run = r.mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      KeyName: imported.KeyName,
      InstanceInitiatedShutdownBehavior: 'terminate',
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-default', Groups: ['sg-1'], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }],
      MetadataOptions: { HttpTokens: 'required' },
    });
    expect(Buffer.from(run.UserData!, 'base64').toString()).toMatch(/^#!\/bin\/sh\n[^]*shutdown -h \+30 \|\| \{ sleep 1800; poweroff -f; \}/);
    expect(run.TagSpecifications).toEqual([
      { ResourceType: 'instance', Tags: [...HARNESS_TAGS, { Key: 'Name', Value: imported.KeyName }] },
      { ResourceType: 'volume', Tags: HARNESS_TAGS },
      { ResourceType: 'network-interface', Tags: HARNESS_TAGS },
    ]);

    expect(r.connector.logins[0]).toMatchObject({ host: '192.0.2.44', hostKeys: { kind: 'pinned', fingerprints: [key.fingerprint] } });
    expect(r.mock.commandCalls(GetConsoleOutputCommand)[0]!.args[0].input).toEqual({ InstanceId: 'i-2', Latest: true });
    // Each poll returned the whole buffer; the log has it once.
    const log = readFileSync(join(r.outDir, 'x86_64-0-0.console.log'), 'utf8');
    expect(log.match(/Linux version/g)).toHaveLength(1);
    expect(log).toContain('BEGIN SSH HOST KEY FINGERPRINTS');

    await machine.end('session end');
    expect(r.live.size).toBe(0);
    expect(r.deleted).toEqual(['i-2', 'sg-1', `key-${imported.KeyName}`]);
    expect(r.phases.map(([p]) => p)).toEqual(['request', 'running', 'sshReady', 'destroyed']);
    await r.reaper.reapAll();
  });

  it('falls back from the latest console output on instance types that refuse it', async () => {
    const key = hostKeyBlock();
    const r = rig({ console: () => key.text, noLatest: true });
    const machine = await r.start();
    const calls = r.mock.commandCalls(GetConsoleOutputCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({ InstanceId: 'i-2', Latest: true });
    expect(calls.at(-1)).toEqual({ InstanceId: 'i-2' });
    await machine.end('done');
  });

  it('terminates and deletes everything when the instance never runs', async () => {
    const r = rig({ neverRuns: true });
    await expect(r.start()).rejects.toThrow(/i-2 was not running within/);
    expect(r.live.size).toBe(0);
    expect(r.mock.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: ['i-2'] });
  });

  it('deletes the key pair and security group when RunInstances fails', async () => {
    const r = rig();
    r.mock.on(RunInstancesCommand).rejects(Object.assign(new Error('You have requested more vCPU capacity than your current vCPU limit'), { name: 'VcpuLimitExceeded' }));
    await expect(r.start()).rejects.toThrow(/vCPU limit; all 4 resource\(s\) gone/);
    expect(r.live.size).toBe(0);
    expect(r.mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(1);
    expect(r.mock.commandCalls(DeleteKeyPairCommand)).toHaveLength(1);
  });

  it('finds and terminates an instance whose RunInstances answer was lost, by its session tag', async () => {
    const r = rig();
    r.mock.on(RunInstancesCommand).callsFakeOnce(() => {
      r.instances.set('i-lost', { state: 'pending', polls: 0 });
      r.live.add('i-lost');
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    await expect(r.start()).rejects.toThrow(/socket hang up/);
    expect(r.live.size).toBe(0);
    expect(r.mock.commandCalls(TerminateInstancesCommand)[0]!.args[0].input).toEqual({ InstanceIds: ['i-lost'] });
  });

  it('deletes everything when SSH never comes up, and when the host key mismatches', async () => {
    const refused = rig({ console: () => hostKeyBlock().text }, new FakeConnector({ refusals: 1e6 }));
    await expect(refused.start()).rejects.toThrow(/did not come up/);
    expect(refused.live.size).toBe(0);
    const mismatched = rig({ console: () => hostKeyBlock().text }, new FakeConnector({ mismatch: true }));
    await expect(mismatched.start()).rejects.toThrow(/host key mismatch/);
    expect(mismatched.live.size).toBe(0);
  });

  it('refuses an image the instance type cannot run, before creating anything', async () => {
    const r = rig();
    r.mock.on(RunInstancesCommand).rejects(new Error('must not be called'));
    const provider = new AwsProvider(r.ec2, { region: 'eu-west-1', image: 'ami-0123456789abcdef0', instanceType: 't4g.small', pollMs: 2 });
    r.mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: ['arm64'] } }] });
    await expect(provider.probe()).rejects.toThrow(/aws:t4g\.small runs arm64, but ami-0123456789abcdef0 is x86_64/);
  });
});
