import { UsageError } from '../model/errors.js';
import type { CaseDef, PlatformKind, SkippedCase, TargetArch } from '../model/types.js';

/** Cases that check the harness notices failures; they only run when asked for by this label. */
export const FAILS_ON_PURPOSE = 'fails-on-purpose';

/** 1-based: shard `index` of `total`. */
export interface Shard {
  index: number;
  total: number;
}

/** One platform of the run, as selection sees it. */
export interface SelectTarget {
  /** "qemu:arm64", "ssh:root@host:22" */
  name: string;
  kind: PlatformKind;
  /** `unknown` for a host that could not be reached: its cases are selected, and fail as infra errors. */
  arch: TargetArch;
}

export interface CaseFilter {
  /** The run's platforms: a case runs on each one whose kind and arch it allows. */
  targets: SelectTarget[];
  /** A regular expression, case-insensitive, tried on each case's id, name and summary. */
  grep?: string;
  /** A case must carry one of these; `!label` excludes cases that carry it. */
  labels?: string[];
  shard?: Shard;
  /** Past durations by case id (ms), from the history: shards are then balanced by time, not count. */
  durations?: ReadonlyMap<string, number>;
}

/** One case to run on one platform. */
export interface Selection {
  case: CaseDef;
  target: SelectTarget;
}

export interface SelectResult {
  selected: Selection[];
  /** One entry per case left out, or per platform a case cannot run on. */
  skipped: SkippedCase[];
}

/** Parses `--shard i/n`. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new UsageError('--shard', `"${text}" is not i/n, e.g. 2/3`);
  return checkShard({ index: Number(match[1]), total: Number(match[2]) });
}

/** Decides which cases run where, and writes down why every other one does not. */
export function selectCases(cases: CaseDef[], filter: CaseFilter): SelectResult {
  const grep = compileGrep(filter.grep);
  const labels = splitLabels(filter.labels ?? []);
  const shard = filter.shard === undefined ? undefined : checkShard(filter.shard);
  const homes = shard && filter.durations?.size ? balancedHomes(cases.filter((c) => grepReason(c, grep, filter.grep) === undefined && labelReason(c, labels) === undefined), shard.total, filter.durations) : undefined;
  const selected: Selection[] = [];
  const skipped: SkippedCase[] = [];

  for (const def of cases) {
    const reason = grepReason(def, grep, filter.grep) ?? labelReason(def, labels) ?? shardReason(def, shard, homes);
    if (reason !== undefined) {
      skipped.push({ caseId: def.id, reason });
      continue;
    }
    for (const target of filter.targets) {
      const where =
        (def.platforms.includes(target.kind) ? undefined : `platform ${target.kind} not in [${def.platforms.join(', ')}]`) ??
        (target.arch === 'unknown' || def.arch.includes(target.arch) ? undefined : `arch ${target.arch} not in [${def.arch.join(', ')}]`);
      if (where === undefined) selected.push({ case: def, target });
      else skipped.push({ caseId: def.id, platform: target.name, reason: where });
    }
  }
  return { selected, skipped };
}

function checkShard(shard: Shard): Shard {
  const { index, total } = shard;
  if (!Number.isSafeInteger(total) || total < 1) {
    throw new UsageError('--shard', `the shard count must be at least 1, got ${total}`);
  }
  if (!Number.isSafeInteger(index) || index < 1 || index > total) {
    throw new UsageError('--shard', `the shard index must be from 1 to ${total}, got ${index}`);
  }
  return shard;
}

function compileGrep(grep: string | undefined): RegExp | undefined {
  if (grep === undefined) return undefined;
  try {
    return new RegExp(grep, 'i');
  } catch (error) {
    throw new UsageError('--grep', `invalid regular expression "${grep}": ${(error as Error).message}`);
  }
}

function grepReason(def: CaseDef, grep: RegExp | undefined, source: string | undefined): string | undefined {
  if (grep === undefined || [def.id, def.name, def.summary].some((text) => grep.test(text))) return undefined;
  return `does not match --grep "${source}"`;
}

interface LabelFilter {
  wanted: Set<string>;
  excluded: Set<string>;
}

function splitLabels(labels: string[]): LabelFilter {
  const wanted = new Set<string>();
  const excluded = new Set<string>();
  for (const label of labels) {
    const name = label.startsWith('!') ? label.slice(1) : label;
    if (name === '') throw new UsageError('--label', `"${label}" names no label`);
    (label.startsWith('!') ? excluded : wanted).add(name);
  }
  const both = [...wanted].find((name) => excluded.has(name));
  if (both !== undefined) throw new UsageError('--label', `${both} is both wanted and excluded (!${both})`);
  return { wanted, excluded };
}

function labelReason(def: CaseDef, { wanted, excluded }: LabelFilter): string | undefined {
  const hit = def.labels.find((label) => excluded.has(label));
  if (hit !== undefined) return `label ${hit} is excluded by --label !${hit}`;
  if (def.labels.includes(FAILS_ON_PURPOSE) && !wanted.has(FAILS_ON_PURPOSE)) {
    return `label ${FAILS_ON_PURPOSE} is excluded by default; pass --label ${FAILS_ON_PURPOSE}`;
  }
  if (wanted.size === 0 || def.labels.some((label) => wanted.has(label))) return undefined;
  return `has none of the labels ${[...wanted].join(', ')}`;
}

function shardReason(def: CaseDef, shard: Shard | undefined, homes: ReadonlyMap<string, number> | undefined): string | undefined {
  if (shard === undefined) return undefined;
  const home = homes?.get(def.id) ?? (fnv1a(def.id) % shard.total) + 1;
  return home === shard.index ? undefined : `in shard ${home}/${shard.total}`;
}

/**
 * Longest first into the shard with the least time so far (ties: the lower shard). Every runner of a
 * CI matrix computes the same answer from the same cases and history; a case without a past duration
 * weighs the median of those with one. Cases are ordered by duration, then by their id's hash, so
 * the answer does not depend on the order the cases were found in.
 */
function balancedHomes(cases: CaseDef[], total: number, durations: ReadonlyMap<string, number>): Map<string, number> {
  const known = [...durations.values()].sort((a, b) => a - b);
  const typical = known[Math.floor(known.length / 2)] ?? 1;
  const weight = (c: CaseDef) => durations.get(c.id) ?? typical;
  const ordered = [...cases].sort((a, b) => weight(b) - weight(a) || fnv1a(a.id) - fnv1a(b.id) || (a.id < b.id ? -1 : 1));
  const load = new Array<number>(total).fill(0);
  const homes = new Map<string, number>();
  for (const c of ordered) {
    const lightest = load.indexOf(Math.min(...load));
    load[lightest]! += weight(c);
    homes.set(c.id, lightest + 1);
  }
  return homes;
}

// By id alone, so a case stays in its shard when other cases are added, removed or filtered out.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}
