import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  type EC2Client,
  type Filter,
  type Tag,
} from '@aws-sdk/client-ec2';
import { InfraError, UsageError } from '../../../harness/model/errors.js';
import { pollUntil } from '../core/poll.js';
import type { LaunchRequest, LaunchedInstance } from '../core/provider.js';
import { tagRecord, TAG } from '../core/tags.js';
import type { Teardown } from '../core/teardown.js';
import { ec2Console } from './ec2-console.js';
import { ignoreNotFound } from './ec2-errors.js';
import { LIVE_STATES, terminateAndWait } from './ec2-terminate.js';
import { selfTerminationUserData } from './user-data.js';

export interface Ec2Target {
  image: string;
  instanceType: string;
  subnet?: string;
  /** The image's root device, so its volume is deleted with the instance whatever the image says. */
  rootDevice?: string;
  pollMs: number;
}


function awsTags(request: LaunchRequest, extra: Record<string, string> = {}): Tag[] {
  return Object.entries({ ...tagRecord(request.tags), ...extra }).map(([Key, Value]) => ({ Key, Value }));
}

function sessionFilters(request: LaunchRequest): Filter[] {
  return [
    { Name: `tag:${TAG.run}`, Values: [request.tags.run] },
    { Name: `tag:${TAG.session}`, Values: [request.sessionId] },
  ];
}

/** The VPC and subnet: the user's subnet, or the default VPC's default subnet. */
async function network(ec2: EC2Client, target: Ec2Target, signal: AbortSignal): Promise<{ vpc: string; subnet: string }> {
  if (target.subnet) {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [target.subnet] }), { abortSignal: signal });
    const vpc = Subnets?.[0]?.VpcId;
    if (!vpc) throw new UsageError('--aws-subnet', `subnet ${target.subnet} not found in this region`);
    return { vpc, subnet: target.subnet };
  }
  const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }), { abortSignal: signal });
  const vpc = Vpcs?.[0]?.VpcId;
  if (!vpc) throw new UsageError('--aws-subnet', 'this region has no default VPC: name a subnet with a route to the internet');
  const { Subnets } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }, { Name: 'default-for-az', Values: ['true'] }] }),
    { abortSignal: signal },
  );
  const subnet = Subnets?.[0]?.SubnetId;
  if (!subnet) throw new UsageError('--aws-subnet', `the default VPC ${vpc} has no default subnet: name one`);
  return { vpc, subnet };
}

/** Terminates the session's instances (by id, or by tag when the create's answer was lost) and waits until they are gone. */
async function terminate(ec2: EC2Client, request: LaunchRequest, known: string | undefined, pollMs: number, signal: AbortSignal): Promise<void> {
  let ids = known ? [known] : [];
  if (!known) {
    const found = await ec2.send(
      new DescribeInstancesCommand({ Filters: [...sessionFilters(request), { Name: 'instance-state-name', Values: LIVE_STATES }] }),
      { abortSignal: signal },
    );
    ids = (found.Reservations ?? []).flatMap((r) => (r.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])));
  }
  await terminateAndWait(ec2, ids, pollMs, signal);
}

/** Volumes of the session left after termination (an image's extra disks kept by DeleteOnTermination=false). */
async function deleteVolumes(ec2: EC2Client, request: LaunchRequest, signal: AbortSignal): Promise<void> {
  const { Volumes } = await ec2.send(new DescribeVolumesCommand({ Filters: sessionFilters(request) }), { abortSignal: signal });
  for (const volume of Volumes ?? []) {
    if (volume.State === 'deleting' || volume.State === 'deleted' || !volume.VolumeId) continue;
    await ec2.send(new DeleteVolumeCommand({ VolumeId: volume.VolumeId }), { abortSignal: signal }).catch(ignoreNotFound);
  }
}

async function deleteGroup(ec2: EC2Client, request: LaunchRequest, vpc: string, known: string | undefined, signal: AbortSignal): Promise<void> {
  let id = known;
  if (!id) {
    const { SecurityGroups } = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [request.name] }, { Name: 'vpc-id', Values: [vpc] }] }),
      { abortSignal: signal },
    );
    id = SecurityGroups?.[0]?.GroupId;
  }
  if (id) await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }), { abortSignal: signal }).catch(ignoreNotFound);
}

/**
 * Key pair, security group (SSH from the runner's /32 only), then the instance: each tagged and
 * each with its undo queued before it is made; the instance also ends itself at its lifetime.
 */
export async function launchEc2(ec2: EC2Client, target: Ec2Target, request: LaunchRequest, teardown: Teardown): Promise<LaunchedInstance> {
  const { signal } = request;
  const opts = { abortSignal: signal };
  await teardown.create(
    `key pair ${request.name}`,
    () => ec2.send(new ImportKeyPairCommand({ KeyName: request.name, PublicKeyMaterial: Buffer.from(request.publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: awsTags(request) }] }), opts),
    async (_made, undoSignal) => {
      await ec2.send(new DeleteKeyPairCommand({ KeyName: request.name }), { abortSignal: undoSignal }).catch(ignoreNotFound);
    },
  );
  const { vpc, subnet } = await network(ec2, target, signal);
  const group = await teardown.create(
    `security group ${request.name}`,
    () =>
      ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: request.name,
          Description: `harness ${request.tags.run}: SSH from the runner only`,
          VpcId: vpc,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: awsTags(request) }],
        }),
        opts,
      ),
    (made, undoSignal) => deleteGroup(ec2, request, vpc, made?.GroupId, undoSignal),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: group.GroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: request.runnerCidr, Description: 'harness runner' }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: awsTags(request) }],
    }),
    opts,
  );
  teardown.add(`volumes of ${request.name}`, (undoSignal) => deleteVolumes(ec2, request, undoSignal));
  const reservation = await teardown.create(
    `instance ${request.name}`,
    () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: target.image,
          InstanceType: target.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          KeyName: request.name,
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet, Groups: [group.GroupId!], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
          InstanceInitiatedShutdownBehavior: 'terminate',
          UserData: Buffer.from(selfTerminationUserData(request.lifetimeMs)).toString('base64'),
          MetadataOptions: { HttpTokens: 'required' },
          ...(target.rootDevice && { BlockDeviceMappings: [{ DeviceName: target.rootDevice, Ebs: { DeleteOnTermination: true } }] }),
          TagSpecifications: ['instance', 'volume', 'network-interface'].map((type) => ({
            ResourceType: type as 'instance',
            Tags: awsTags(request, type === 'instance' ? { Name: request.name } : {}),
          })),
        }),
        opts,
      ),
    (made, undoSignal) => terminate(ec2, request, made?.Instances?.[0]?.InstanceId, target.pollMs, undoSignal),
  );
  const id = reservation.Instances?.[0]?.InstanceId;
  if (!id) throw new InfraError(`RunInstances for ${request.name} returned no instance`);
  return {
    id,
    console: ec2Console(ec2, id),
    running: (runSignal) =>
      pollUntil(
        async () => {
          const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }), { abortSignal: runSignal });
          const instance = Reservations?.[0]?.Instances?.[0];
          const state = instance?.State?.Name;
          if (state === 'shutting-down' || state === 'terminated' || state === 'stopped') {
            throw new InfraError(`${id} is ${state}: ${instance?.StateReason?.Message ?? 'no reason given'}`, { phase: 'running' });
          }
          return state === 'running' && instance?.PublicIpAddress ? { address: instance.PublicIpAddress } : undefined;
        },
        { timeoutMs: Number.MAX_SAFE_INTEGER, intervalMs: target.pollMs, signal: runSignal, what: `${id} to run` },
      ),
  };
}
