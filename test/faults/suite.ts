/**
 * The fault suite (issue 4): each fault runs through the real CLI in a child process, the way CI runs
 * the harness, and is judged from the outside: which class the harness gave the case (DESIGN.md §7)
 * and its exit code, what it left running or on disk (orphans), and which finished results it failed
 * to keep (lost).
 *
 * Faults of the guest come from fault images (fixtures/faults/*.sh: the harness image with another
 * /init); faults of the host are done to the harness or its QEMU while the slow case runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFaultImages } from '../../fixtures/faults/build.js';
import { fixturePrefix, repoRoot } from '../../fixtures/paths.js';
import type { CaseResult } from '../../harness/model/types.js';
import { cmdlineOf, processTable, ProcessTracker, stillAlive, type SeenProcess } from './procs.js';
import { buildSshFixtures, type SshArchManifest } from '../../fixtures/ssh-image.js';
import { connectPinned, execOut, startSshGuest, type SshGuest } from '../support/ssh-guest.js';

export interface FaultRow {
  fault: string;
  expected: string;
  observed: string;
  /** Processes and temporary folders of the run still there after the harness exited (and the guardian's grace). */
  orphans: number;
  /** Results of cases that finished (or were selected and not killed) that no journal line or report holds. */
  lost: number;
  ok: boolean;
  /** Why the fault could not be set up here (e.g. no permission to mount a tmpfs); such a row is not judged. */
  skipped?: string;
  /** The harness's peak resident memory (VmHWM), MiB. */
  peakRssMiB?: number;
  durationMs: number;
  /** What the orphans were, the case's reason, anything else worth reading when a row is wrong. */
  notes: string[];
  outDir: string;
}

export interface FaultSuiteOptions {
  cacheDir?: string;
  /** Faults run at the same time; default 2. */
  parallel?: number;
  /** Only these faults (by name); default all. */
  only?: readonly string[];
  log?: (line: string) => void;
  /** Keep the output folders (they are removed for rows that are ok unless this is set). */
  keep?: boolean;
  /** Where the output folders go; default a fresh folder under the OS temp dir. */
  workDir?: string;
}

/** Peak memory the harness may reach whatever the guest floods it with: an ordinary run peaks at about 130 MiB. */
export const RSS_LIMIT_MIB = 256;
const CASES_DIR = fileURLToPath(new URL('./cases', import.meta.url));
/** Boot to ready marker; the fault images boot in a few seconds under TCG. */
const BOOT_TIMEOUT_S = 20;
/** How long the guardian gets to clean up after a harness that was SIGKILLed. */
const ORPHAN_GRACE_MS = 3000;

/** What one harness run did, as seen from outside. */
interface Observation {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The harness did not exit within the fault's deadline and was killed by the suite. */
  hung: boolean;
  output: string;
  /** The last journal line per case id, after the harness exited. */
  journal: Map<string, CaseResult>;
  journalComplete: boolean;
  /** Case ids in the journal at the moment the suite struck (mid-case faults). */
  before?: Set<string>;
  /** What the fault's own step found (e.g. "case never started"). */
  stepNote?: string;
  outDir: string;
  peakRssMiB?: number;
  collect?: { exitCode: number | null; output: string };
}

interface FaultSpec {
  name: string;
  expected: string;
  /** Selected cases, in the order they run (the harness sorts by id). */
  cases: string[];
  /** The case whose class is the row's. */
  target: string;
  /** A fault image variant (fixtures/faults/<image>.sh); default: the bundled harness image. */
  image?: string;
  timeoutS: number;
  /** The harness must have exited this long after it started. */
  deadlineS: number;
  /** Cases that may end without a result (the one running when the harness was SIGKILLed). */
  mayLack?: string[];
  /** Only these cases count as finished before a kill; lost if the journal then lacks them. */
  finishedBeforeStrike?: string[];
  rssLimitMiB?: number;
  /** Done once the target case has run for a few seconds; `guest` is the SSH host of an `ssh` fault. */
  strike?: (run: HarnessRun, guest?: SshGuest) => Promise<string | undefined>;
  /** The run targets the ssh-bare guest over SSH instead of booting an image; extra run arguments. */
  ssh?: { args?: (guest: SshGuest) => string[] };
  /** Infra retries the run may make; default 0, so a fault is not met three times. */
  infraRetries?: number;
  /** The output folder, when it is not a plain temporary one; returns how to undo it, or why it cannot be made here. */
  outFolder?: (dir: string) => Promise<(() => Promise<void>) | { skip: string }>;
  /** Observed, in the same words as `expected`; default `<class>, exit <code>`. */
  observe?: (o: Observation) => string;
  /** After the harness exited (sigkill: `harness collect`). */
  after?: (o: Observation) => Promise<void>;
}

const classOf = (r: CaseResult | undefined) => (r ? (r.outcome === 'error' ? (r.errorClass ?? 'error') : r.outcome) : 'no result');
const exitText = (o: Observation) => (o.hung ? 'hung' : o.exitCode === null ? `killed by ${o.signal}` : `exit ${o.exitCode}`);

function defaultObserve(spec: FaultSpec): (o: Observation) => string {
  return (o) => {
    const parts = [`${classOf(o.journal.get(spec.target))}, ${exitText(o)}`];
    if (spec.rssLimitMiB !== undefined && (o.peakRssMiB ?? Infinity) > spec.rssLimitMiB) {
      parts.push(o.peakRssMiB === undefined ? 'rss unknown' : `rss ${o.peakRssMiB} MiB > ${spec.rssLimitMiB}`);
    }
    return parts.join(', ');
  };
}

/** The interrupted case is infra with a reason starting `interrupted:`, the exit code is the signal's, the reports exist. */
function observeInterrupt(o: Observation): string {
  const slow = o.journal.get('slow');
  const interrupted = slow?.reason?.startsWith('interrupted:') ? ' interrupted' : '';
  const reports = ['results.json', 'junit.xml'].filter((f) => !existsSync(join(o.outDir, f)));
  const inJson = readResultsJson(o.outDir)?.some((r) => r.caseId === 'slow') ? '' : ', slow not in results.json';
  return `${classOf(slow)}${interrupted}, ${exitText(o)}${reports.length ? `, no ${reports.join(' or ')}` : ''}${reports.length ? '' : inJson}`;
}

function readResultsJson(outDir: string): CaseResult[] | undefined {
  try {
    return (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as { results: CaseResult[] }).results;
  } catch {
    return undefined;
  }
}

async function killQemu(run: HarnessRun): Promise<string | undefined> {
  run.tracker.poll();
  const qemu = run.tracker.find((c) => /qemu-system-/.test(c) && !c.startsWith('setpriv')).filter(stillAlive);
  if (qemu.length === 0) return 'no QEMU process found to kill';
  for (const p of qemu) process.kill(p.pid, 'SIGKILL');
  return undefined;
}

/** Kills the dropbear process serving the harness's session (not the listener, not our own connection). */
async function cutSshSession(_run: HarnessRun, guest?: SshGuest): Promise<string | undefined> {
  if (!guest?.login) return 'no SSH guest to cut';
  const client = await connectPinned(guest.login);
  try {
    const { stdout } = await execOut(
      client,
      'master=$(cat /run/dropbear.pid); me=$PPID; for p in $(pidof dropbear); do [ "$p" = "$master" ] || [ "$p" = "$me" ] || { kill -9 "$p" && echo "$p"; }; done',
    );
    return stdout.trim() ? undefined : 'no dropbear session process found to kill';
  } finally {
    client.end();
  }
}

async function stopSshGuest(_run: HarnessRun, guest?: SshGuest): Promise<string | undefined> {
  if (!guest) return 'no SSH guest to stop';
  await guest.stop();
  return undefined;
}

const signalHarness = (signal: NodeJS.Signals) => async (run: HarnessRun) => {
  process.kill(run.pid, signal);
  return undefined;
};

/** A tmpfs of 256 KiB as the output folder: needs root, and a container that may mount (not Docker's default). */
async function tinyTmpfs(dir: string): Promise<(() => Promise<void>) | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: 'needs root to mount a tmpfs' };
  await mkdir(dir, { recursive: true });
  try {
    await execWait('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
  } catch (error) {
    return { skip: `cannot mount a tmpfs here (an unprivileged container?): ${error instanceof Error ? error.message : String(error)}` };
  }
  return async () => {
    await execWait('umount', [dir]).catch(() => execWait('umount', ['-l', dir]));
  };
}

const IMAGE_FAULT = (name: string, expected: string, extra: Partial<FaultSpec> = {}): FaultSpec => ({
  name,
  image: name,
  expected,
  cases: ['quick'],
  target: 'quick',
  timeoutS: 30,
  deadlineS: 150,
  ...extra,
});

export const FAULTS: readonly FaultSpec[] = [
  IMAGE_FAULT('panic', 'boot, exit 3'),
  IMAGE_FAULT('hang-silent', 'boot, exit 3'),
  IMAGE_FAULT('hang-after-ready', 'timeout, exit 3', { deadlineS: 200 }),
  IMAGE_FAULT('garbage', 'pass, exit 0'),
  IMAGE_FAULT('flood', 'boot, exit 3', { rssLimitMiB: RSS_LIMIT_MIB }),
  IMAGE_FAULT('reset', 'boot, exit 3', { cases: ['slow'], target: 'slow', timeoutS: 60 }),
  IMAGE_FAULT('channel-lost', 'infra, exit 3', { cases: ['slow'], target: 'slow', timeoutS: 60 }),
  { name: 'truncated-tap', expected: 'fail, exit 1', cases: ['truncated-tap'], target: 'truncated-tap', timeoutS: 30, deadlineS: 150 },
  {
    name: 'stdout-flood',
    expected: 'pass, exit 0',
    cases: ['stdout-flood'],
    target: 'stdout-flood',
    timeoutS: 600,
    deadlineS: 700,
    rssLimitMiB: RSS_LIMIT_MIB,
  },
  {
    name: 'vm-killed',
    expected: 'boot, exit 3',
    cases: ['quick', 'slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 180,
    finishedBeforeStrike: ['quick'],
    strike: killQemu,
  },
  {
    name: 'sigint',
    expected: 'infra interrupted, exit 130',
    cases: ['quick', 'slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 180,
    finishedBeforeStrike: ['quick'],
    strike: signalHarness('SIGINT'),
    observe: observeInterrupt,
  },
  {
    name: 'sigterm',
    expected: 'infra interrupted, exit 143',
    cases: ['quick', 'slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 180,
    finishedBeforeStrike: ['quick'],
    strike: signalHarness('SIGTERM'),
    observe: observeInterrupt,
  },
  {
    name: 'sigkill',
    expected: 'slow: no result, collect exit 3, reports rebuilt',
    cases: ['quick', 'slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 180,
    mayLack: ['slow'],
    finishedBeforeStrike: ['quick'],
    strike: signalHarness('SIGKILL'),
    after: async (o) => {
      o.collect = await runCli(['collect', o.outDir], 60);
    },
    observe: (o) => {
      const collect = o.collect ? `collect exit ${o.collect.exitCode}` : 'collect not run';
      const rebuilt = readResultsJson(o.outDir)?.some((r) => r.caseId === 'quick') && existsSync(join(o.outDir, 'junit.xml'));
      return `slow: ${classOf(o.journal.get('slow'))}, ${collect}, ${rebuilt ? 'reports rebuilt' : 'reports not rebuilt'}`;
    },
  },
  {
    name: 'ssh-cut',
    expected: 'pass on attempt 2, exit 0',
    cases: ['slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 240,
    ssh: {},
    infraRetries: 1,
    strike: cutSshSession,
    observe: (o) => {
      const slow = o.journal.get('slow');
      return `${classOf(slow)} on attempt ${slow?.attempts ?? '?'}, ${exitText(o)}`;
    },
  },
  {
    name: 'ssh-sigint',
    expected: 'infra interrupted, exit 130',
    cases: ['quick', 'slow'],
    target: 'slow',
    timeoutS: 60,
    deadlineS: 180,
    ssh: {},
    finishedBeforeStrike: ['quick'],
    strike: signalHarness('SIGINT'),
    observe: observeInterrupt,
  },
  { name: 'ssh-host-gone', expected: 'infra, exit 3', cases: ['slow'], target: 'slow', timeoutS: 60, deadlineS: 180, ssh: {}, strike: stopSshGuest },
  {
    name: 'ssh-wrong-key',
    expected: 'infra, exit 3',
    cases: ['quick'],
    target: 'quick',
    timeoutS: 30,
    deadlineS: 120,
    ssh: { args: () => ['--host-key', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] },
  },
  {
    name: 'disk-full',
    expected: 'exit 3, clear message',
    // The boot's console log fits in 256 KiB; the case's 1 MiB of stdout does not.
    cases: ['big-stdout'],
    target: 'big-stdout',
    timeoutS: 30,
    deadlineS: 150,
    outFolder: tinyTmpfs,
    observe: (o) => {
      const stack = /^\s+at .+:\d+:\d+\)?$/m.test(o.output);
      const message = /ENOSPC|no space left/i.test(o.output);
      return [exitText(o), stack ? 'stack trace' : message ? 'clear message' : 'no message about the full disk'].join(', ');
    },
  },
];

/** One harness child process with its tracker. */
interface HarnessRun {
  pid: number;
  child: ChildProcess;
  tracker: ProcessTracker;
  outDir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const OUTPUT_KEEP = 256 * 1024;

function cliArgs(cacheDir: string | undefined, args: string[]): string[] {
  return ['--import', 'tsx', join(repoRoot, 'harness/cli/bin.ts'), ...(cacheDir ? ['--cache', cacheDir] : []), ...args];
}

function startHarness(args: string[], outDir: string, cacheDir?: string): HarnessRun {
  const child = spawn(process.execPath, cliArgs(cacheDir, args), {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start the harness');
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { pid: child.pid, child, tracker: new ProcessTracker(child.pid), outDir, exited, output: () => output };
}

async function runCli(args: string[], timeoutS: number, cacheDir?: string): Promise<{ exitCode: number | null; output: string }> {
  const run = startHarness(args, '', cacheDir);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutS * 1000);
  const { code } = await run.exited;
  clearTimeout(timer);
  run.tracker.stop();
  return { exitCode: code, output: run.output() };
}

function execWait(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim()}`))));
  });
}

/** results.jsonl: the last result per case id (a retried case has more than one line), and whether the run ended. */
export function readJournalCases(outDir: string): { cases: Map<string, CaseResult>; complete: boolean } {
  const cases = new Map<string, CaseResult>();
  let complete = false;
  let text = '';
  try {
    text = readFileSync(join(outDir, 'results.jsonl'), 'utf8');
  } catch {
    return { cases, complete };
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { type: string; result?: CaseResult };
      if (entry.type === 'case' && entry.result) cases.set(entry.result.caseId, entry.result);
      if (entry.type === 'run-end') complete = true;
    } catch {
      // A line cut off by a kill: not a result.
    }
  }
  return { cases, complete };
}

/** Resolves once the case has printed `# slow: 2 s` (it is well into its run), or after `limitMs`. */
async function caseRunning(run: HarnessRun, caseId: string, limitMs: number, stopped: () => boolean): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  const boots = join(run.outDir, 'boots');
  while (Date.now() < deadline && !stopped()) {
    try {
      // boots/<boot>/<case>/<container>.stdout
      for (const boot of readdirSync(boots)) {
        const file = join(boots, boot, caseId, 'probe.stdout');
        if (existsSync(file) && readFileSync(file, 'utf8').includes('# slow: 2 s')) return true;
      }
    } catch {
      // Not there yet.
    }
    await sleep(200);
  }
  return false;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Temporary folders the run's QEMU used: named in its argv (the process's, or the saved argv JSON). */
function tempDirsOf(outDir: string, seen: SeenProcess[]): Set<string> {
  const texts = seen.map((p) => p.cmdline);
  try {
    const boots = join(outDir, 'boots');
    for (const f of readdirSync(boots)) if (f.endsWith('.qemu-argv.json')) texts.push(readFileSync(join(boots, f), 'utf8'));
  } catch {
    // No boots folder: nothing booted, or the disk was full.
  }
  const dirs = new Set<string>();
  // bootQemu's mkdtemp(`harness-<bootId>-`); the suite's own folders are not the run's.
  const pattern = new RegExp(`${escapeRegExp(tmpdir().replace(/\/+$/, ''))}/harness-[^/\\s",]+`, 'g');
  for (const t of texts) for (const m of t.matchAll(pattern)) if (!m[0].startsWith(`${tmpdir()}/harness-faults-`)) dirs.add(m[0]);
  return dirs;
}

/** What the run left behind: descendants still alive, processes naming its folders, temp folders still there. */
function orphansOf(run: HarnessRun): string[] {
  run.tracker.poll();
  const seen = [...run.tracker.seen.values()];
  const dirs = tempDirsOf(run.outDir, seen);
  const found = new Map<number, string>();
  for (const p of seen) if (stillAlive(p)) found.set(p.pid, p.cmdline);
  // A path as a whole word: another fault's folder may start with this one's name.
  const needles = [run.outDir, ...dirs].filter(Boolean).map((n) => new RegExp(`${escapeRegExp(n)}(?=$|[/\\s,"])`));
  for (const p of processTable()) {
    if (p.pid === process.pid || found.has(p.pid)) continue;
    const cmd = cmdlineOf(p.pid);
    if (cmd && needles.some((n) => n.test(cmd))) found.set(p.pid, cmd);
  }
  const orphans = [...found].map(([pid, cmd]) => `pid ${pid}: ${cmd.slice(0, 160)}`);
  for (const d of dirs) if (existsSync(d)) orphans.push(`folder ${d}`);
  return orphans;
}

async function runFault(spec: FaultSpec, images: Record<string, string>, workDir: string, opts: FaultSuiteOptions, ssh?: SshArchManifest): Promise<FaultRow> {
  const started = performance.now();
  const outDir = join(workDir, spec.name);
  const notes: string[] = [];
  const row = (observed: string, orphans: number, lost: number, peakRssMiB?: number): FaultRow => ({
    fault: spec.name,
    expected: spec.expected,
    observed,
    orphans,
    lost,
    ok: observed === spec.expected && orphans === 0 && lost === 0,
    peakRssMiB,
    durationMs: performance.now() - started,
    notes,
    outDir,
  });
  const folder = spec.outFolder ? await spec.outFolder(outDir) : undefined;
  if (folder && typeof folder === 'object') {
    notes.push(folder.skip);
    return { ...row('not run', 0, 0), ok: true, skipped: folder.skip };
  }
  const unmount = folder;
  let guest: SshGuest | undefined;
  try {
    const image = spec.image ? images[spec.image] : fixturePrefix('x86_64', 'harness', opts.cacheDir);
    if (!image) throw new Error(`no fault image ${spec.image}`);
    let platform = ['--platform', 'x86_64', '--image', image];
    if (spec.ssh) {
      if (!ssh) throw new Error('no ssh fixture');
      guest = await startSshGuest({ fixture: ssh, image: 'ssh-bare' });
      const knownHosts = `${outDir}.known_hosts`;
      await writeFile(knownHosts, `[127.0.0.1]:${guest.port} ${guest.hostKeys[0]!.publicKey!.split(' ').slice(0, 2).join(' ')}\n`);
      platform = ['--platform', `ssh:root@127.0.0.1:${guest.port}`, '--identity', ssh.clientKey, '--known-hosts', knownHosts, ...(spec.ssh.args?.(guest) ?? [])];
    }
    const args = [
      'run',
      ...platform,
      '--cases',
      CASES_DIR,
      '--grep',
      `^(${spec.cases.join('|')})$`,
      '--out',
      outDir,
      '--no-history',
      // A fault that is infra would be booted again twice by default: the same fault, three times the wait.
      '--infra-retries',
      String(spec.infraRetries ?? 0),
      '--timeout',
      String(spec.timeoutS),
      '--boot-timeout',
      String(BOOT_TIMEOUT_S),
    ];
    const run = startHarness(args, outDir, opts.cacheDir);
    let exitedYet = false;
    void run.exited.then(() => (exitedYet = true));
    const deadline = setTimeout(() => {
      notes.push(`the harness did not exit within ${spec.deadlineS} s; killed`);
      run.child.kill('SIGKILL');
    }, spec.deadlineS * 1000);
    let before: Set<string> | undefined;
    let stepNote: string | undefined;
    if (spec.strike) {
      if (await caseRunning(run, spec.target, 150_000, () => exitedYet)) {
        before = new Set(readJournalCases(outDir).cases.keys());
        stepNote = await spec.strike(run, guest);
      } else {
        stepNote = `case ${spec.target} never started`;
      }
      if (stepNote) notes.push(stepNote);
    }
    const { code, signal } = await run.exited;
    clearTimeout(deadline);
    const hung = notes.some((n) => n.startsWith('the harness did not exit'));
    // Whatever the guardian still has to do, it gets its grace.
    let orphans = orphansOf(run);
    for (const until = Date.now() + ORPHAN_GRACE_MS; orphans.length > 0 && Date.now() < until; orphans = orphansOf(run)) await sleep(200);
    run.tracker.stop();
    // On a host that stays up, what the harness leaves there is an orphan too.
    if (guest?.login && guest.running()) orphans.push(...(await stateFoldersOn(guest)));
    notes.push(...orphans.map((o) => `orphan: ${o}`));

    const journal = readJournalCases(outDir);
    const peakRssMiB = run.tracker.peakKiB === undefined ? undefined : Math.round(run.tracker.peakKiB / 1024);
    const o: Observation = {
      exitCode: code,
      signal,
      hung,
      output: run.output(),
      journal: journal.cases,
      journalComplete: journal.complete,
      before,
      stepNote,
      outDir,
      peakRssMiB,
    };
    await spec.after?.(o);
    // The harness's own words, next to its output folder (which a tmpfs takes away when unmounted).
    await writeFile(`${outDir}.log`, o.output).catch(() => undefined);
    if (spec.outFolder) await cp(outDir, `${outDir}.contents`, { recursive: true }).catch(() => undefined);

    // Lost: a result the harness had (before the strike, or for a case that was not cut short) and did not keep.
    const lostIds = new Set<string>();
    for (const id of before ?? []) if (!journal.cases.has(id)) lostIds.add(id);
    for (const id of spec.finishedBeforeStrike ?? []) if (before && !journal.cases.has(id)) lostIds.add(id);
    for (const id of spec.cases) if (!spec.mayLack?.includes(id) && !journal.cases.has(id)) lostIds.add(id);
    // A full disk may refuse the journal; a result the terminal showed was still reported.
    if (spec.outFolder) for (const id of [...lostIds]) if (new RegExp(`\\b${id}\\b`).test(o.output)) lostIds.delete(id);
    if (lostIds.size) notes.push(`lost: ${[...lostIds].join(', ')}`);

    const target = journal.cases.get(spec.target);
    if (target?.reason) notes.push(`reason: ${target.reason.slice(0, 200)}`);
    if (!journal.complete && !spec.mayLack) notes.push('results.jsonl has no run-end line');
    const observed = o.hung ? `hung, ${classOf(target)}` : (spec.observe ?? defaultObserve(spec))(o);
    if (observed !== spec.expected) notes.push(`harness output (tail): ${o.output.slice(-1500).replace(/\s+$/, '')}`);
    return row(observed, orphans.length, lostIds.size, peakRssMiB);
  } finally {
    await guest?.stop();
    await unmount?.();
  }
}

/** The harness's state folders still on an SSH host. */
async function stateFoldersOn(guest: SshGuest): Promise<string[]> {
  const client = await connectPinned(guest.login!);
  try {
    const { stdout } = await execOut(client, 'ls -d /tmp/harness.* 2>/dev/null');
    return stdout.split('\n').filter(Boolean).map((d) => `state folder ${d} on the SSH host`);
  } finally {
    client.end();
  }
}

/** Runs the faults (two at a time by default) and returns one row each, in the table's order. */
export async function runFaultSuite(opts: FaultSuiteOptions = {}): Promise<FaultRow[]> {
  const log = opts.log ?? (() => {});
  const specs = FAULTS.filter((f) => !opts.only || opts.only.includes(f.name));
  const unknown = (opts.only ?? []).filter((n) => !FAULTS.some((f) => f.name === n));
  if (unknown.length) throw new Error(`unknown fault(s): ${unknown.join(', ')} (have ${FAULTS.map((f) => f.name).join(', ')})`);
  const images = await buildFaultImages({ cacheDir: opts.cacheDir, log });
  const ssh = specs.some((f) => f.ssh) ? (await buildSshFixtures({ arches: ['x86_64'], cacheDir: opts.cacheDir, log })).arches.x86_64 : undefined;
  const workDir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'harness-faults-')));
  await mkdir(workDir, { recursive: true });

  const rows = new Array<FaultRow>(specs.length);
  // Longest first, so the slowest fault does not start last.
  const order = specs.map((_, i) => i).sort((a, b) => specs[b]!.deadlineS - specs[a]!.deadlineS);
  const worker = async () => {
    for (let i = order.shift(); i !== undefined; i = order.shift()) {
      const spec = specs[i]!;
      log(`fault ${spec.name}: running`);
      let r: FaultRow;
      try {
        r = await runFault(spec, images, workDir, opts, ssh);
      } catch (error) {
        r = {
          fault: spec.name,
          expected: spec.expected,
          observed: `suite error: ${error instanceof Error ? error.message : String(error)}`,
          orphans: 0,
          lost: 0,
          ok: false,
          durationMs: 0,
          notes: [],
          outDir: join(workDir, spec.name),
        };
      }
      rows[i] = r;
      log(`fault ${spec.name}: ${r.skipped ? 'skipped' : r.ok ? 'ok' : 'WRONG'} (${r.observed}; ${(r.durationMs / 1000).toFixed(0)} s)`);
      if (r.ok && !opts.keep) {
        for (const p of [r.outDir, `${r.outDir}.log`, `${r.outDir}.contents`]) await rm(p, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 2, specs.length)) }, worker));
  if (!opts.keep && rows.every((r) => r.ok)) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  return rows;
}

/** The table: fixed-width columns, one row per fault, then the notes of rows that are wrong. */
export function formatTable(rows: readonly FaultRow[]): string {
  const head = ['fault', 'expected', 'observed', 'orphans', 'lost', 'ok', 'peak rss', 'time'];
  const cells = rows.map((r) => [
    r.fault,
    r.expected,
    r.observed,
    String(r.orphans),
    String(r.lost),
    r.skipped ? 'skip' : r.ok ? 'ok' : 'WRONG',
    r.peakRssMiB === undefined ? '-' : `${r.peakRssMiB} MiB`,
    `${(r.durationMs / 1000).toFixed(0)} s`,
  ]);
  const right = new Set([3, 4, 6, 7]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (right.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)];
  for (const r of rows.filter((r) => r.skipped)) out.push(`(${r.fault} not run: ${r.skipped})`);
  const wrong = rows.filter((r) => !r.ok);
  if (wrong.length) {
    out.push('', `${wrong.length} of ${rows.length} rows wrong:`);
    for (const r of wrong) {
      out.push(`- ${r.fault}: expected "${r.expected}", observed "${r.observed}", ${r.orphans} orphans, ${r.lost} lost (${r.outDir})`);
      for (const n of r.notes) out.push(`    ${n.replace(/\n/g, '\n      ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}
