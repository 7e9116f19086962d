import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteVolumeCommand,
  DescribeKeyPairsCommand,
  paginateDescribeInstances,
  paginateDescribeSecurityGroups,
  paginateDescribeVolumes,
  type EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { GcTarget, ResourceKind, TaggedResource } from '../core/gc.js';
import { readTags, TAG } from '../core/tags.js';
import { ignoreNotFound } from './ec2-errors.js';
import { LIVE_STATES, terminateAndWait } from './ec2-terminate.js';

const TAGGED = { Name: `tag:${TAG.harness}`, Values: ['1'] };

function resource(kind: ResourceKind, id: string | undefined, tags: Tag[] | undefined, where: string): TaggedResource[] {
  const read = readTags(Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
  return id && read ? [{ kind, id, where, tags: read }] : [];
}

/** The region's harness resources, found by their `harness=1` tag (the API filters; readTags checks again). */
export function ec2GcTarget(ec2: EC2Client, region: string, pollMs = 5_000): GcTarget {
  return {
    provider: 'aws',
    async list() {
      const found: TaggedResource[] = [];
      for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters: [TAGGED, { Name: 'instance-state-name', Values: LIVE_STATES }] })) {
        for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) found.push(...resource('instance', i.InstanceId, i.Tags, region));
      }
      for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: [TAGGED] })) {
        for (const v of page.Volumes ?? []) if (v.State !== 'deleting') found.push(...resource('disk', v.VolumeId, v.Tags, region));
      }
      for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: [TAGGED] })) {
        for (const g of page.SecurityGroups ?? []) found.push(...resource('firewall', g.GroupId, g.Tags, region));
      }
      const { KeyPairs } = await ec2.send(new DescribeKeyPairsCommand({ Filters: [TAGGED] }));
      for (const k of KeyPairs ?? []) found.push(...resource('key pair', k.KeyPairId, k.Tags, region));
      return found;
    },
    async remove(r) {
      if (r.kind === 'instance') return terminateAndWait(ec2, [r.id], pollMs);
      const command =
        r.kind === 'disk'
          ? new DeleteVolumeCommand({ VolumeId: r.id })
          : r.kind === 'firewall'
            ? new DeleteSecurityGroupCommand({ GroupId: r.id })
            : new DeleteKeyPairCommand({ KeyPairId: r.id });
      await ec2.send(command as DeleteVolumeCommand).catch(ignoreNotFound);
    },
  };
}
