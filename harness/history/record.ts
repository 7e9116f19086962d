import type { Fingerprint, ImageSizes, RunRecord } from '../metrics/types.js';
import type { Arch, RunSummary } from '../model/types.js';

/** What the run knows about one platform target beyond its results. */
export interface TargetFacts {
  platform: string;
  arch: Arch;
  /** The image whose boots are measured; boots of self-testing images are left out. */
  imageName: string;
  fingerprint: Fingerprint;
  sizes: ImageSizes;
  imageDigest: string;
}

/** One history record per platform: the boots of its main image as phase samples, its sizes and case outcomes. */
export function toRunRecords(summary: RunSummary, startedAt: string, revision: string, targets: TargetFacts[]): RunRecord[] {
  return targets.flatMap((t) => {
    const boots = summary.boots
      .filter((b) => b.platform === t.platform && b.image === t.imageName && b.outcome === 'ok' && !b.resumed)
      .sort((a, b) => a.repeat - b.repeat || a.id.localeCompare(b.id));
    const platformResults = summary.results.filter((r) => r.platform === t.platform);
    // A platform whose every case was filtered out has nothing to remember.
    if (!platformResults.length) return [];
    return {
      runId: summary.runId,
      revision,
      startedAt,
      platform: t.platform,
      arch: t.arch,
      fingerprint: t.fingerprint,
      image: { kernelVersion: boots.find((b) => b.kernelVersion)?.kernelVersion ?? 'unknown', imageDigest: t.imageDigest },
      sizes: t.sizes,
      boots: boots.map((b) => ({ bootId: b.id, phases: b.phases, guestClock: b.guestClock })),
      cases: platformResults.map((r) => ({ caseId: r.caseId, outcome: r.outcome, durationMs: r.durationMs })),
    };
  });
}
