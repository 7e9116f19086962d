import { errorText } from './scrub.js';
import { labelValue, sameRun, type CloudTags } from './tags.js';

/** Deleted in this order: instances first, since disks, NICs, addresses, firewalls and keys stay in use until they are gone. */
export const GC_ORDER = ['instance', 'disk', 'network interface', 'public IP', 'firewall', 'key pair'] as const;
export type ResourceKind = (typeof GC_ORDER)[number];

export interface TaggedResource {
  kind: ResourceKind;
  /** What the provider deletes it by (an id, a name, a resource id). */
  id: string;
  /** Where it is (a zone, a resource group), for messages. */
  where?: string;
  tags: CloudTags;
}

/** One provider's harness resources, as `cloud gc` sees them. */
export interface GcTarget {
  provider: string;
  /** Every resource tagged harness=1 with a readable run and expiry; never an untagged one. */
  list(): Promise<TaggedResource[]>;
  /** Deletes one (waiting for an instance to be gone); a resource already gone is no error. */
  remove(resource: TaggedResource): Promise<void>;
}

export interface GcOptions {
  /** This run is dead whatever its expiry says (the guardian names the run it outlived). */
  run?: string;
  dryRun: boolean;
  now: Date;
  print(line: string): void;
}

export interface GcReport {
  deleted: TaggedResource[];
  kept: TaggedResource[];
  failed: { resource: TaggedResource; error: string }[];
}

function describe(provider: string, r: TaggedResource): string {
  return `${provider} ${r.kind} ${r.id}${r.where ? ` in ${r.where}` : ''} (run ${r.tags.run} by ${r.tags.creator}, expires ${r.tags.expires.toISOString()})`;
}

/**
 * A run is live while any of its resources' expiry is in the future, unless it is the run named:
 * a live run's resources are never touched, even those past their own expiry, since it may still
 * be using them. Everything else the harness tagged goes, instances first.
 */
export function chooseGarbage(resources: TaggedResource[], options: Pick<GcOptions, 'run' | 'now'>): { doomed: TaggedResource[]; kept: TaggedResource[] } {
  const live = new Set<string>();
  for (const r of resources) {
    const named = options.run !== undefined && sameRun(r.tags.run, options.run);
    if (!named && r.tags.expires.getTime() > options.now.getTime()) live.add(labelValue(r.tags.run));
  }
  const doomed = resources.filter((r) => !live.has(labelValue(r.tags.run)));
  doomed.sort((a, b) => GC_ORDER.indexOf(a.kind) - GC_ORDER.indexOf(b.kind));
  return { doomed, kept: resources.filter((r) => live.has(labelValue(r.tags.run))) };
}

/** `harness cloud gc` for one provider: prints each deletion (or, dry, each it would make) as it happens. */
export async function collectGarbage(target: GcTarget, options: GcOptions): Promise<GcReport> {
  const { doomed, kept } = chooseGarbage(await target.list(), options);
  const report: GcReport = { deleted: [], kept, failed: [] };
  for (const resource of doomed) {
    if (options.dryRun) {
      options.print(`would delete ${describe(target.provider, resource)}`);
      report.deleted.push(resource);
      continue;
    }
    try {
      await target.remove(resource);
      options.print(`deleted ${describe(target.provider, resource)}`);
      report.deleted.push(resource);
    } catch (error) {
      const text = errorText(error);
      options.print(`could not delete ${describe(target.provider, resource)}: ${text}`);
      report.failed.push({ resource, error: text });
    }
  }
  const liveRuns = new Set(kept.map((r) => r.tags.run));
  if (liveRuns.size) options.print(`${target.provider}: left ${kept.length} resource(s) of ${liveRuns.size} live run(s): ${[...liveRuns].join(', ')}`);
  if (!doomed.length) options.print(`${target.provider}: nothing to delete`);
  return report;
}
