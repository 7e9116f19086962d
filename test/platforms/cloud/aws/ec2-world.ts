/**
 * A small EC2 account behind aws-sdk-client-mock: instances move pending → running → terminated as
 * the harness asks, and every create and delete is recorded, so tests assert the exact requests and
 * that teardown deleted what was made.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

export interface Ec2WorldOptions {
  /** The console buffer GetConsoleOutput returns, read at each call (it may grow). */
  console?: () => string;
  /** Describe calls before a pending instance runs. */
  pendingPolls?: number;
  /** Instances stay pending for ever. */
  neverRuns?: boolean;
  /** The instance type refuses `Latest: true` (not Nitro). */
  noLatest?: boolean;
  /** The public address a running instance reports. */
  address?: string;
  /** Puts an imported public key where the instance will take it (as EC2 does through its metadata). */
  onImportKey?: (publicKey: string) => Promise<void>;
}

/** Mocks `client`, or with the class every EC2Client the code under test makes. */
export function ec2World(options: Ec2WorldOptions = {}, client: EC2Client | typeof EC2Client = new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' } })) {
  const ec2 = client instanceof EC2Client ? client : new EC2Client({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const instances = new Map<string, { state: string; polls: number }>();
  const live = new Set<string>();
  const deleted: string[] = [];
  let next = 0;
  const make = (id: string) => (live.add(id), id);
  const drop = (id: string) => {
    if (live.delete(id)) deleted.push(id);
  };

  mock.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0123456789abcdef0', Architecture: 'x86_64', RootDeviceName: '/dev/xvda', Name: 'linuxkit-harness' }] });
  mock.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ InstanceType: 't3.micro', ProcessorInfo: { SupportedArchitectures: ['x86_64'] } }] });
  mock.on(ImportKeyPairCommand).callsFake(async (input: { KeyName: string; PublicKeyMaterial: Uint8Array }) => {
    await options.onImportKey?.(Buffer.from(input.PublicKeyMaterial).toString());
    return { KeyPairId: make(`key-${input.KeyName}`), KeyName: input.KeyName };
  });
  mock.on(DeleteKeyPairCommand).callsFake(async (input: { KeyName: string }) => (drop(`key-${input.KeyName}`), {}));
  mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default', IsDefault: true }] });
  mock.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-default', VpcId: 'vpc-default' }] });
  mock.on(CreateSecurityGroupCommand).callsFake(async () => ({ GroupId: make(`sg-${++next}`) }));
  mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  mock.on(DescribeSecurityGroupsCommand).callsFake(async () => ({ SecurityGroups: [...live].filter((id) => id.startsWith('sg-')).map((GroupId) => ({ GroupId })) }));
  mock.on(DeleteSecurityGroupCommand).callsFake(async (input: { GroupId: string }) => {
    if ([...instances.values()].some((i) => i.state !== 'terminated')) throw Object.assign(new Error('resource sg has a dependent object'), { name: 'DependencyViolation' });
    drop(input.GroupId);
    return {};
  });
  mock.on(RunInstancesCommand).callsFake(async () => {
    const id = make(`i-${++next}`);
    instances.set(id, { state: 'pending', polls: 0 });
    return { Instances: [{ InstanceId: id, State: { Name: 'pending' } }] };
  });
  mock.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[] }) => {
    const ids = input.InstanceIds ?? [...instances.keys()].filter((id) => instances.get(id)!.state !== 'terminated');
    const described = ids.map((id) => {
      const instance = instances.get(id)!;
      if (instance.state === 'pending' && !options.neverRuns && instance.polls++ >= (options.pendingPolls ?? 1)) instance.state = 'running';
      if (instance.state === 'shutting-down') instance.state = 'terminated';
      return { InstanceId: id, State: { Name: instance.state }, ...(instance.state === 'running' && { PublicIpAddress: options.address ?? '192.0.2.44' }) };
    });
    return { Reservations: [{ Instances: described }] };
  });
  mock.on(TerminateInstancesCommand).callsFake(async (input: { InstanceIds: string[] }) => {
    for (const id of input.InstanceIds) {
      instances.get(id)!.state = 'shutting-down';
      drop(id);
    }
    return {};
  });
  mock.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  mock.on(GetConsoleOutputCommand).callsFake(async (input: { Latest?: boolean }) => {
    if (options.noLatest && input.Latest) throw Object.assign(new Error('latest console output is not supported'), { name: 'UnsupportedOperation' });
    return { Output: Buffer.from(options.console?.() ?? '').toString('base64') };
  });
  return { ec2, mock, live, deleted, instances };
}
