import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { ec2GcTarget } from '../../../../platforms/cloud/aws/ec2-gc.js';
import { collectGarbage } from '../../../../platforms/cloud/core/gc.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const tags = (run: string, expires: string) => [
  { Key: 'harness', Value: '1' },
  { Key: 'harness-run', Value: run },
  { Key: 'harness-creator', Value: 'ci@runner' },
  { Key: 'harness-expires', Value: expires },
];
const EXPIRED = tags('2026-12-01T08-00-00-000Z', '2026-12-01T09:00:00.000Z');
const LIVE = tags('2026-12-01T11-30-00-000Z', '2026-12-01T12:30:00.000Z');
// An API that ignored the tag filter would hand these back: the harness must still leave them.
const UNTAGGED = [{ Key: 'Name', Value: 'production-db' }];
const NOT_OURS = [{ Key: 'harness', Value: '1' }, { Key: 'Name', Value: 'no run, no expiry' }];

function account() {
  const ec2 = new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' } });
  const mock = mockClient(ec2);
  let terminated = false;
  mock.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[] }) => {
    if (input.InstanceIds) return { Reservations: [{ Instances: input.InstanceIds.map((InstanceId) => ({ InstanceId, State: { Name: terminated ? 'terminated' : 'shutting-down' } })) }] };
    return {
      Reservations: [
        { Instances: [{ InstanceId: 'i-expired', Tags: EXPIRED }, { InstanceId: 'i-live', Tags: LIVE }] },
        { Instances: [{ InstanceId: 'i-prod', Tags: UNTAGGED }, { InstanceId: 'i-odd', Tags: NOT_OURS }] },
      ],
    };
  });
  mock.on(TerminateInstancesCommand).callsFake(async () => ((terminated = true), {}));
  mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-expired', State: 'available', Tags: EXPIRED }, { VolumeId: 'vol-prod', State: 'available', Tags: UNTAGGED }] });
  mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-expired', Tags: EXPIRED }, { GroupId: 'sg-live', Tags: LIVE }, { GroupId: 'sg-default', Tags: [] }] });
  mock.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyPairId: 'key-expired', Tags: EXPIRED }, { KeyPairId: 'key-prod', Tags: UNTAGGED }] });
  mock.on(DeleteVolumeCommand).resolves({});
  mock.on(DeleteSecurityGroupCommand).resolves({});
  mock.on(DeleteKeyPairCommand).resolves({});
  return { ec2, mock };
}

describe('cloud gc on AWS', () => {
  it('asks only for harness-tagged resources and deletes the expired run’s, instance first, leaving live and untagged ones', async () => {
    const { ec2, mock } = account();
    const lines: string[] = [];
    await collectGarbage(ec2GcTarget(ec2, 'eu-west-1', 1), { dryRun: false, now: NOW, print: (l) => lines.push(l) });
    expect(mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'tag:harness', Values: ['1'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
    ]);
    for (const command of [DescribeVolumesCommand, DescribeSecurityGroupsCommand, DescribeKeyPairsCommand]) {
      expect(mock.commandCalls(command)[0]!.args[0].input.Filters).toEqual([{ Name: 'tag:harness', Values: ['1'] }]);
    }
    expect(mock.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-expired'] }]);
    expect(mock.commandCalls(DeleteVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-expired' }]);
    expect(mock.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input)).toEqual([{ GroupId: 'sg-expired' }]);
    expect(mock.commandCalls(DeleteKeyPairCommand).map((c) => c.args[0].input)).toEqual([{ KeyPairId: 'key-expired' }]);
    expect(lines[0]).toMatch(/^deleted aws instance i-expired in eu-west-1 \(run 2026-12-01T08-00-00-000Z by ci@runner/);
    expect(lines.join('\n')).not.toMatch(/deleted .*(i-live|sg-live|prod|i-odd|sg-default)/);
  });

  it('deletes a live-looking run when it is the one named (the guardian’s run), and nothing on a dry run', async () => {
    const { ec2, mock } = account();
    const lines: string[] = [];
    await collectGarbage(ec2GcTarget(ec2, 'eu-west-1', 1), { dryRun: true, run: '2026-12-01T11-30-00-000Z', now: NOW, print: (l) => lines.push(l) });
    expect(mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('would delete')).map((l) => /(?:i|vol|sg|key)-\w+/.exec(l)?.[0])).toEqual(['i-expired', 'i-live', 'vol-expired', 'sg-expired', 'sg-live', 'key-expired']);
  });
});
