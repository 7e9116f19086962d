import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discoverSuites } from '../../select/load.js';
import { parseShard, selectCases, type SelectTarget } from '../../select/select.js';
import { UsageError } from '../../model/errors.js';
import { checkDisk, checkImage } from '../../image/image-check.js';
import { openCaseImage, openImage } from '../../image/open-image.js';
import { pointLatest, prepareOutDir } from '../out-dir.js';
import type { Reaper } from '../../lifecycle/reaper.js';
import { checkReporterNames, githubOptionsFromEnv } from '../../report/reporter-names.js';
import { RedactingReporter, redactor, secretsFrom } from '../../report/redact.js';
import { JournalReporter } from '../../report/jsonl.js';
import { ReporterMux } from '../../report/multiplexer.js';
import { DEFAULT_TIMEOUTS, runTargets, type RunTarget } from '../../run/run-targets.js';
import type { CaseDef, CaseDurations, RunSummary } from '../../model/types.js';
import { createPlatforms } from '../../../platforms/registry.js';
import type { Image, Platform } from '../../../platforms/platform.js';
import type { TargetFacts } from '../../history/record.js';
import { measureDisk, measureImage, type MeasuredImage } from '../../image/image-size.js';
import { bundledAgents, bundledImage, bundledRootfs, ensureFixtures } from './fixtures.js';

export interface RunFlags {
  platform: string;
  image?: string;
  grep?: string;
  label: string[];
  reporter: string[];
  out?: string;
  /** Empty a non-empty --out first instead of refusing it. */
  forceOut?: boolean;
  timeout?: number;
  /** Case folders; their case ids must not clash. */
  cases: string[];
  shard?: string;
  slots?: number;
  cache?: string;
  repeat: number;
  retries: number;
  infraRetries: number;
  /** Seconds from start to the image's shell being ready. */
  bootTimeout?: number;
  /** SQLite history file, or false for --no-history. */
  history: string | false;
  revision?: string;
  /** The options that belong to one platform kind (`--channel` is QEMU's), by camelCase name. */
  platformOptions: Record<string, unknown>;
  /** false (--no-agentd): leave the compiled agent out, agent.sh runs every case. */
  agentd?: boolean;
}

export interface Terminal {
  write(text: string): void;
  color: boolean;
  live: boolean;
}

/** A platform, the image it runs and what its probe said: everything selection needs. */
interface Prepared {
  platform: Platform;
  image: Image;
  target: SelectTarget;
  capabilities: RunTarget['capabilities'];
}

/** `harness run`: select, plan, boot, run, report. Returns the summary; the caller maps it to an exit code. */
export async function runCommand(flags: RunFlags, terminal: Terminal, reaper: Reaper): Promise<RunSummary> {
  const cacheDir = resolve(flags.cache ?? '.cache');
  const startedAt = new Date().toISOString();
  const runId = startedAt.replace(/[:.]/g, '-');
  const platforms = createPlatforms(flags.platform, { reaper, cacheDir, options: flags.platformOptions, env: process.env, slots: flags.slots, runId });
  const reporterNames = flags.reporter.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  checkReporterNames(reporterNames);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  // The reporters load while the cases are read and the images checked; only after, nothing waits on them.
  const reporting = import('../../report/index.js');
  const log = (line: string) => terminal.write(`${line}\n`);
  // Bundled images first for platforms that boot a kernel and were given none, then each platform's
  // image check and probe; the cases are read meanwhile (the three took 200 ms one after the other).
  const bundled = flags.image ? undefined : ensureFixtures(knownArches(platforms.filter((p) => p.runs === 'kernel')), flags.cache, log);
  const preparing = (async () => {
    await bundled;
    return Promise.all(platforms.map((p) => prepare(p, flags)));
  })();
  // Awaited below; a bad case file must not leave it rejecting unheard meanwhile.
  preparing.catch(() => undefined);
  const cases = await discoverSuites(flags.cases);
  // Bad input fails before anything is booted; the folder of an earlier run is never mixed into.
  const outDir = resolve(flags.out ?? join('out', runId));
  await prepareOutDir(outDir, { force: flags.forceOut === true });

  // Past durations balance shards and start the longest sessions first; read beside the other setup.
  const durations = flags.history === false ? Promise.resolve(undefined) : pastDurations(resolve(flags.history));
  const prepared = await preparing;
  // Hosts that boot nothing of ours get the bundled rootfs of the arch their probe found.
  const hostArches = [...new Set(prepared.flatMap((t) => (t.image.kind === 'host' && t.target.arch !== 'unknown' ? [t.target.arch] : [])))];
  await ensureFixtures(hostArches, flags.cache, log);

  // The compiled agent is built here for every arch a target has, whatever image it boots.
  const targetArches = [...new Set(prepared.flatMap((t) => (t.target.arch !== 'unknown' ? [t.target.arch] : [])))];
  const agents = flags.agentd !== false ? await bundledAgents(targetArches, flags.cache, log) : {};

  const { selected, skipped } = selectCases(cases, { targets: prepared.map((t) => t.target), grep: flags.grep, labels: flags.label, shard, durations: (await durations)?.any });
  if (!flags.out) await pointLatest(outDir);

  const targets: RunTarget[] = await Promise.all(prepared.map(async (t) => ({
    platform: t.platform,
    image: t.image,
    capabilities: t.capabilities,
    arch: t.target.arch,
    rootfs: t.image.kind === 'host' && t.target.arch !== 'unknown' && t.capabilities.available ? await bundledRootfs(t.target.arch, flags.cache) : [],
    ...(t.target.arch !== 'unknown' && agents[t.target.arch] && { agentd: agents[t.target.arch] }),
    cases: selected.filter((s) => s.target.name === t.platform.name).map((s) => withTimeout(s.case, flags.timeout)),
  })));
  // Credentials in the harness's environment or a case's env never reach a report or the terminal.
  const secrets = [
    ...secretsFrom(process.env),
    ...cases.flatMap((c) => c.containers.flatMap((k) => secretsFrom(k.env))),
    ...platforms.flatMap((p) => p.secrets?.() ?? []),
  ];
  const redact = redactor(secrets);
  // The history wants every image measured; without it, only a job summary that asks does.
  let measured = flags.history !== false ? measureTargets(targets) : undefined;
  const measuredNow = () => (measured ??= measureTargets(targets));
  const { createReporters } = await reporting;
  const reporters = createReporters(reporterNames, {
    outDir,
    write: terminal.write,
    color: terminal.color,
    live: terminal.live,
    redact,
    ...githubOptionsFromEnv(process.env),
    summaryExtras: async () => ({ sizes: await imageSizes(targets, measuredNow()) }),
  });
  const mux = new ReporterMux([new JournalReporter(join(outDir, 'results.jsonl')), ...reporters]);
  const reporter = new RedactingReporter(mux, redact);
  const summary = await runTargets({
    runId,
    outDir,
    targets,
    skipped,
    reporter,
    repeat: flags.repeat,
    retries: flags.retries,
    infraRetries: flags.infraRetries,
    // The boot timeout also bounds the wait for the shell and the agent to answer: both are still booting.
    timeouts:
      flags.bootTimeout === undefined
        ? DEFAULT_TIMEOUTS
        : { ...DEFAULT_TIMEOUTS, readyMs: flags.bootTimeout * 1000, agentMs: Math.min(DEFAULT_TIMEOUTS.agentMs, flags.bootTimeout * 1000) },
    stopped: () => reaper.stopped,
    signal: reaper.signal,
    secrets,
    revision: flags.revision ?? runId,
    ...(shard && { shard }),
    durations: await durations,
    ownTestsImage: (c, target) => ownTestsImage(c, target, flags.cache),
  });
  // A report that could not be written loses results: that is an infrastructure error whatever the tests said.
  for (const failure of mux.errors()) {
    terminal.write(`harness: reporter ${failure.reporter} failed in ${failure.hook}: ${String(failure.error)}\n`);
    summary.exitCode = 3;
  }
  if (flags.history !== false) {
    // Loaded when the run is over: SQLite and the history code have nothing to do before QEMU starts.
    const [{ HistoryStore }, { toRunRecords }] = await Promise.all([import('../../history/store.js'), import('../../history/record.js')]);
    const records = toRunRecords(summary, startedAt, flags.revision ?? runId, await targetFacts(targets, measuredNow()));
    const store = HistoryStore.open(resolve(flags.history));
    try {
      for (const record of records) store.record(record);
    } finally {
      store.close();
    }
    terminal.write(`history: ${records.length} platform record(s) added to ${flags.history}\n`);
  }
  return summary;
}

/** Case durations from the history, when there is one; a run without history just plans without them. */
async function pastDurations(file: string): Promise<CaseDurations | undefined> {
  if (!existsSync(file)) return undefined;
  const { HistoryStore } = await import('../../history/store.js');
  const store = HistoryStore.open(file);
  try {
    return store.caseDurations();
  } finally {
    store.close();
  }
}

function knownArches(platforms: Platform[]) {
  return [...new Set(platforms.flatMap((p) => (p.arch ? [p.arch] : [])))];
}

/** The image a platform runs: the user's `--image`, the bundled one for its arch, or the host as it is. */
async function prepare(platform: Platform, flags: RunFlags): Promise<Prepared> {
  let image: Image;
  let checked: Promise<void> | undefined;
  if (platform.runs === 'host') {
    image = { kind: 'host', name: 'host' };
  } else {
    if (!platform.arch) throw new UsageError('--platform', `${platform.name} boots a kernel but names no arch`);
    image = flags.image ? await openImage(flags.image, '--image') : await bundledImage(platform.arch, 'harness', flags.cache, 'fixtures');
    // A wrong-arch kernel or a damaged initrd is bad input: say so before anything boots. The check
    // inflates the initrd and the probe starts QEMU once: side by side, each hides the other.
    if (image.kind === 'kernel') checked = checkImage(image, platform.arch, flags.image ? '--image' : 'fixtures');
  }
  const probing = platform.probe(image);
  probing.catch(() => undefined);
  await checked;
  // The platform's probe before the disk check: it knows what it cannot boot at all (a disk on s390x).
  const capabilities = await probing;
  if (image.kind === 'disk' && platform.arch) checkDisk(image, platform.arch, '--image');
  const arch = capabilities.arch ?? platform.arch ?? 'unknown';
  return { platform, image, capabilities, target: { name: platform.name, kind: platform.kind, arch } };
}

/**
 * Each booted image's sizes and digest, for the history and the job summary. Begun with the run: read
 * and hashed at its end, the images kept both cores idle for a fifth of a second.
 */
function measureTargets(targets: RunTarget[]): Map<RunTarget, Promise<MeasuredImage>> {
  const measured = new Map<RunTarget, Promise<MeasuredImage>>();
  for (const t of targets) {
    if (t.image.kind === 'host') continue;
    const m = t.image.kind === 'disk' ? measureDisk(t.image) : measureImage(t.image);
    // Awaited when the history or the summary asks; an unreadable image must not reject unheard before.
    m.catch(() => undefined);
    measured.set(t, m);
  }
  return measured;
}

/** Per target, what the history needs beyond results: the probe's fingerprint and the image's sizes. */
async function targetFacts(targets: RunTarget[], measured: Map<RunTarget, Promise<MeasuredImage>>): Promise<TargetFacts[]> {
  const facts: TargetFacts[] = [];
  for (const t of targets) {
    const caps = t.capabilities;
    const m = measured.get(t);
    // Only booted images are measured: a host has none.
    if (!caps.fingerprint || t.arch === 'unknown' || !m) continue;
    const { sizes, identity } = await m;
    facts.push({ platform: t.platform.name, arch: t.arch, imageName: t.image.name, fingerprint: caps.fingerprint, sizes, imageDigest: identity.imageDigest });
  }
  return facts;
}

/** Per booted-image target, what its image weighs, for the job summary. */
async function imageSizes(targets: RunTarget[], measured: Map<RunTarget, Promise<MeasuredImage>>) {
  const sizes: Record<string, MeasuredImage['sizes']> = {};
  for (const t of targets) {
    const m = measured.get(t);
    if (m) sizes[t.platform.name] = (await m).sizes;
  }
  return sizes;
}

function withTimeout(c: CaseDef, timeoutSeconds: number | undefined): CaseDef {
  return timeoutSeconds === undefined ? c : { ...c, timeoutMs: timeoutSeconds * 1000 };
}

/** `image: fixture:<name>` names a bundled image for the target's arch; anything else is a prefix. */
async function ownTestsImage(c: CaseDef, target: RunTarget, cache: string | undefined): Promise<Image> {
  const ref = c.image;
  if (!ref) throw new UsageError(c.file, 'image-runs-own-tests needs an image');
  if (target.arch === 'unknown') throw new UsageError(c.file, `${target.platform.name} has no known arch to pick an image for`);
  if (ref.startsWith('fixture:')) return bundledImage(target.arch, ref.slice('fixture:'.length), cache, c.file);
  return openCaseImage(ref, c.dir, c.file);
}
