import { rm, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FIXTURE_NAMES, fixturePrefix, type FixtureName } from '../../../fixtures/paths.js';
import { discoverCases } from '../../select/load.js';
import { parseShard, selectCases } from '../../select/select.js';
import { UsageError } from '../../model/errors.js';
import { checkImage } from '../../image/image-check.js';
import { openCaseImage, openImage } from '../../image/open-image.js';
import { defaultSlots } from '../../plan/plan.js';
import type { Reaper } from '../../lifecycle/reaper.js';
import { checkReporterNames, createReporters } from '../../report/index.js';
import { RedactingReporter, redactor, secretsFrom } from '../../report/redact.js';
import { JournalReporter } from '../../report/jsonl.js';
import { ReporterMux } from '../../report/multiplexer.js';
import { DEFAULT_TIMEOUTS, runTargets, type RunTarget } from '../../run/run-targets.js';
import { EXIT, type Arch, type CaseDef, type RunSummary } from '../../model/types.js';
import { createQemuPlatform } from '../../../platforms/qemu/index.js';
import { HistoryStore } from '../../history/store.js';
import { toRunRecords, type TargetFacts } from '../../history/record.js';
import { measureImage } from '../../image/image-size.js';
import { ensureFixtures } from './fixtures.js';
import { parsePlatform } from './platforms.js';
import { prepareOutDir } from '../out-dir.js';

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
  cases: string;
  shard?: string;
  slots?: number;
  cache?: string;
  channel: string;
  repeat: number;
  retries: number;
  infraRetries: number;
  /** Seconds from spawn to the image's shell being ready. */
  bootTimeout?: number;
  /** SQLite history file, or false for --no-history. */
  history: string | false;
  revision?: string;
}

export interface Terminal {
  write(text: string): void;
  color: boolean;
  live: boolean;
}

/** `harness run`: select, plan, boot, run, report. Returns the summary; the caller maps it to an exit code. */
export async function runCommand(flags: RunFlags, terminal: Terminal, reaper: Reaper): Promise<RunSummary> {
  const arches = parsePlatform(flags.platform);
  if (flags.channel !== 'virtio' && flags.channel !== 'console') {
    throw new UsageError('--channel', `unknown channel "${flags.channel}"; choose from virtio, console`);
  }
  const channel = flags.channel;
  const reporterNames = flags.reporter.flatMap((r) => r.split(',')).map((r) => r.trim()).filter(Boolean);
  checkReporterNames(reporterNames);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const cases = await discoverCases(flags.cases);
  const { selected, skipped } = selectCases(cases, { arches, platformKind: 'qemu', grep: flags.grep, labels: flags.label, shard });

  if (!flags.image) await ensureFixtures(arches, flags.cache, (line) => terminal.write(`${line}\n`));
  const startedAt = new Date().toISOString();
  const runId = startedAt.replace(/[:.]/g, '-');
  const outDir = resolve(flags.out ?? join('out', runId));
  await prepareOutDir(outDir, { force: flags.forceOut === true });
  if (!flags.out) await pointLatest(outDir);

  const targets: RunTarget[] = [];
  for (const arch of arches) {
    const image = flags.image ? await openImage(flags.image, '--image') : await openImage(fixturePrefix(arch, 'harness', flags.cache), 'fixtures');
    // A wrong-arch kernel or a damaged initrd is bad input: say so before anything boots.
    await checkImage(image, arch, flags.image ? '--image' : 'fixtures');
    const archCases = selected.filter((s) => s.arch === arch).map((s) => withTimeout(s.case, flags.timeout));
    const platform = createQemuPlatform(arch, { reaper, cacheDir: resolve(flags.cache ?? '.cache'), channel });
    targets.push({ platform, image, cases: archCases, capabilities: await platform.probe(image) });
  }
  const reporters = createReporters(reporterNames, { outDir, write: terminal.write, color: terminal.color, live: terminal.live });
  // Credentials in the harness's environment or a case's env never reach a report or the terminal.
  const secrets = [...secretsFrom(process.env), ...cases.flatMap((c) => c.containers.flatMap((k) => secretsFrom(k.env)))];
  const mux = new ReporterMux([new JournalReporter(join(outDir, 'results.jsonl')), ...reporters]);
  const reporter = new RedactingReporter(mux, redactor(secrets));
  const summary = await runTargets({
    runId,
    outDir,
    targets,
    skipped,
    reporter,
    slots: flags.slots ?? defaultSlots(),
    repeat: flags.repeat,
    retries: flags.retries,
    infraRetries: flags.infraRetries,
    // The boot timeout also bounds the wait for the shell and the agent to answer: both are still booting.
    timeouts:
      flags.bootTimeout === undefined
        ? DEFAULT_TIMEOUTS
        : { ...DEFAULT_TIMEOUTS, readyMs: flags.bootTimeout * 1000, agentMs: Math.min(DEFAULT_TIMEOUTS.agentMs, flags.bootTimeout * 1000) },
    stopped: () => reaper.stopped,
    ownTestsImage: (c, target) => ownTestsImage(c, target.platform.arch, flags.cache),
  });
  // A report that could not be written loses results: that is an infrastructure error whatever the tests said.
  for (const failure of mux.errors()) {
    terminal.write(`harness: reporter ${failure.reporter} failed in ${failure.hook}: ${String(failure.error)}\n`);
    summary.exitCode = EXIT.infra;
  }
  if (flags.history !== false) {
    const records = toRunRecords(summary, startedAt, flags.revision ?? runId, await targetFacts(targets));
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

/** Per target, what the history needs beyond results: the probe's fingerprint and the image's sizes. */
async function targetFacts(targets: RunTarget[]): Promise<TargetFacts[]> {
  const facts: TargetFacts[] = [];
  for (const t of targets) {
    const caps = t.capabilities;
    if (!caps.fingerprint) continue;
    const { sizes, identity } = await measureImage(t.image);
    facts.push({ platform: t.platform.name, imageName: t.image.name, fingerprint: caps.fingerprint, sizes, imageDigest: identity.imageDigest });
  }
  return facts;
}

function withTimeout(c: CaseDef, timeoutSeconds: number | undefined): CaseDef {
  return timeoutSeconds === undefined ? c : { ...c, timeoutMs: timeoutSeconds * 1000 };
}

/** `image: fixture:<name>` names a bundled image for the target's arch; anything else is a prefix. */
async function ownTestsImage(c: CaseDef, arch: Arch, cache: string | undefined) {
  const ref = c.image;
  if (!ref) throw new UsageError(c.file, 'image-runs-own-tests needs an image');
  if (ref.startsWith('fixture:')) {
    const name = ref.slice('fixture:'.length);
    if (!(FIXTURE_NAMES as readonly string[]).includes(name)) throw new UsageError(c.file, `image: no bundled fixture "${name}" (have ${FIXTURE_NAMES.join(', ')})`);
    return openImage(fixturePrefix(arch, name as FixtureName, cache), c.file);
  }
  return openCaseImage(ref, c.dir, c.file);
}

async function pointLatest(outDir: string): Promise<void> {
  const link = join(outDir, '..', 'latest');
  await rm(link, { force: true });
  await symlink(outDir, link).catch(() => undefined);
}
