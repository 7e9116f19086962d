/**
 * The board rows of the fault suite: each fault done to the emulated board or its lab (the UART, its
 * baud rate, U-Boot, TFTP, leases, quarantine), through the real CLI in a child process, judged
 * from outside as suite.ts judges QEMU's: the class the harness gave (DESIGN.md §7), what it left
 * running or in the TFTP folder (orphans), and which results it failed to keep (lost).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { fixtureImageFiles } from '../../fixtures/paths.js';
import { concatInitrd, CpioBuilder } from '../../harness/image/cpio.js';
import type { BootRecord, CaseResult } from '../../harness/model/types.js';
import { boardDir, boardOff, boardPower, writeLab, type LabBoard, type TestLab } from '../support/emulated-lab.js';
import { needLabPackages, startSer2net } from '../support/lab-services.js';
import { startRelay, type Relay } from '../support/uart-relay.js';
import { cmdlineOf, processTable } from './procs.js';
import { caseRunning, readJournalCases, runCli, startHarness, type FaultRow } from './suite.js';

const CASES_DIR = fileURLToPath(new URL('./board-cases', import.meta.url));
const RUN_TIMEOUT_S = 240;

interface Ctx {
  name: string;
  lab: TestLab;
  notes: string[];
  /** Results a run had and must have kept. */
  lost: string[];
  cacheDir?: string;
}

interface RunOutcome {
  exitCode: number | null;
  output: string;
  journal: Map<string, CaseResult>;
  boots: BootRecord[];
  /** What the strike said went wrong, if it could not strike. */
  stepNote?: string;
}

const classOf = (r: CaseResult | undefined) => (r ? (r.outcome === 'error' ? (r.errorClass ?? 'error') : r.outcome) : 'no result');

/** One `harness run` on the fault's board; `strike` is done once `slow` is well into its run. */
async function run(ctx: Ctx, cases: string[], strike?: () => Promise<void> | void, extra: string[] = []): Promise<RunOutcome> {
  const outDir = join(ctx.lab.dir, `out-${Math.random().toString(16).slice(2, 8)}`);
  const args = ['run', '--platform', `board:${ctx.name}`, '--lab', ctx.lab.file, '--cases', CASES_DIR, '--grep', `^(${cases.join('|')})$`, '--out', outDir, '--no-history', '--infra-retries', '0', '--boot-timeout', '60', ...extra];
  const harness = startHarness(args, outDir, ctx.cacheDir);
  let exited = false;
  void harness.exited.then(() => (exited = true));
  const deadline = setTimeout(() => harness.child.kill('SIGKILL'), RUN_TIMEOUT_S * 1000);
  let stepNote: string | undefined;
  if (strike) {
    if (await caseRunning(harness, 'slow', 150_000, () => exited)) await strike();
    else stepNote = 'case slow never started';
  }
  const { code } = await harness.exited;
  clearTimeout(deadline);
  harness.tracker.stop();
  const journal = readJournalCases(outDir).cases;
  for (const id of cases) if (!journal.has(id) && code !== null) ctx.lost.push(id);
  let boots: BootRecord[] = [];
  try {
    boots = (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as { boots: BootRecord[] }).boots;
  } catch {
    // A killed run writes no results.json; the journal is what counts.
  }
  for (const r of journal.values()) if (r.reason) ctx.notes.push(`${r.caseId}: ${r.reason.slice(0, 240)}`);
  if (stepNote) ctx.notes.push(stepNote);
  return { exitCode: code, output: harness.output(), journal, boots, stepNote };
}

const plain = (o: RunOutcome, target: string) => `${classOf(o.journal.get(target))}, exit ${o.exitCode}`;

const labStatus = async (ctx: Ctx) => {
  const status = await runCli(['lab', 'status', '--lab', ctx.lab.file], 60, ctx.cacheDir);
  const row = status.output.split('\n').find((l) => l.startsWith(`${ctx.name} `)) ?? '';
  return { state: /^\S+\s+(\S+)/.exec(row)?.[1] ?? 'missing', row };
};

const qemuPid = (name: string) => Number(readFileSync(join(boardDir(name), 'qemu.pid'), 'utf8'));

interface BoardFaultSpec {
  name: string;
  expected: string;
  /** The board as the lab file gives it; default: the emulated board on its pty. */
  board?: (services: { relay?: Relay; ser2net?: { raw: number } }) => Partial<LabBoard>;
  services?: 'relay' | 'ser2net' | 'garbling-relay';
  labExtra?: Record<string, unknown>;
  act(ctx: Ctx, services: { relay?: Relay; ser2net?: { raw: number; stop(): Promise<void> } }): Promise<string>;
}

const relaySerial = (relay?: Relay) => ({ serial: { tcp: `127.0.0.1:${relay!.port}`, baud: 115200 } });

export const BOARD_FAULTS: readonly BoardFaultSpec[] = [
  {
    name: 'board-panic',
    expected: 'boot, exit 3',
    act: async (ctx) => plain(await run(ctx, ['quick'], undefined, ['--image', panicImage(ctx)]), 'quick'),
  },
  {
    name: 'board-reset',
    expected: 'boot, exit 3',
    act: async (ctx) => plain(await run(ctx, ['quick', 'slow'], () => resetBoard(ctx.name)), 'slow'),
  },
  {
    name: 'uart-pty-closed',
    expected: 'infra, exit 3',
    act: async (ctx) => plain(await run(ctx, ['quick', 'slow'], () => void process.kill(qemuPid(ctx.name), 'SIGKILL')), 'slow'),
  },
  {
    name: 'uart-tcp-dropped',
    expected: 'infra, exit 3',
    services: 'ser2net',
    board: (s) => ({ serial: { tcp: `127.0.0.1:${s.ser2net!.raw}` } }),
    act: async (ctx, s) => plain(await run(ctx, ['quick', 'slow'], () => s.ser2net!.stop()), 'slow'),
  },
  {
    name: 'wrong-baud',
    expected: 'infra (baud rate mismatch), exit 3',
    services: 'garbling-relay',
    board: (s) => relaySerial(s.relay),
    act: async (ctx) => {
      const o = await run(ctx, ['quick']);
      const baud = /baud rate mismatch: \d+ % of the last 512 bytes are not printable; is the board at 115200\?/.test(o.journal.get('quick')?.reason ?? '');
      return `${classOf(o.journal.get('quick'))}${baud ? ' (baud rate mismatch)' : ''}, exit ${o.exitCode}`;
    },
  },
  {
    name: 'uboot-no-prompt',
    expected: 'infra, exit 3',
    board: () => ({ boot: { method: 'u-boot', prompt: 'lab-board> ', network: { ipaddr: '10.0.2.15', serverip: '10.0.2.2' } } }),
    act: async (ctx) => plain(await run(ctx, ['quick']), 'quick'),
  },
  {
    name: 'tftp-missing',
    expected: 'infra, exit 3',
    // The harness puts the images where the lab says; the board's TFTP server serves another folder.
    board: () => {
      const served = join(boardDir('fault-tftp-missing'), 'other-tftp');
      mkdirSync(served, { recursive: true });
      return { power: { driver: 'command', on: boardPower('fault-tftp-missing', served, 'on'), off: boardPower('fault-tftp-missing', '', 'off') } };
    },
    act: async (ctx) => plain(await run(ctx, ['quick']), 'quick'),
  },
  {
    name: 'lease-expiry',
    expected: 'killed holder: free (expired lease), next run: pass, exit 0',
    act: async (ctx) => {
      const killed = await run(ctx, ['quick', 'slow'], async () => {
        const holder = JSON.parse(readFileSync(join(ctx.lab.state, `${ctx.name}.lease`), 'utf8')) as { pid: number };
        process.kill(holder.pid, 'SIGKILL');
      });
      // The killed run's quick case finished before the kill: its journal keeps it; slow may lack one.
      ctx.lost.splice(0, ctx.lost.length, ...(killed.journal.has('quick') ? [] : ['quick']));
      const status = await labStatus(ctx);
      const expired = status.state === 'free' && /expired lease/.test(status.row) ? 'free (expired lease)' : status.row;
      const next = await run(ctx, ['quick']);
      return `killed holder: ${expired}, next run: ${plain(next, 'quick')}`;
    },
  },
  {
    name: 'quarantine',
    expected: 'infra, infra, quarantined, refused: infra, health: exit 0, free, pass',
    services: 'garbling-relay',
    labExtra: { 'quarantine-after': 2 },
    board: (s) => relaySerial(s.relay),
    act: async (ctx, s) => {
      const first = await run(ctx, ['quick']);
      const second = await run(ctx, ['quick']);
      const quarantined = (await labStatus(ctx)).state;
      const refused = await run(ctx, ['quick']);
      const refusedClass = refused.boots.length === 0 && /quarantined/.test(refused.journal.get('quick')?.reason ?? '') ? classOf(refused.journal.get('quick')) : `booted anyway (${classOf(refused.journal.get('quick'))})`;
      s.relay!.garble = false;
      const health = await runCli(['lab', 'health', ctx.name, '--lab', ctx.lab.file, '--boot-timeout', '60', '--out', join(ctx.lab.dir, 'out-health')], RUN_TIMEOUT_S, ctx.cacheDir);
      if (health.exitCode !== 0) ctx.notes.push(`health: ${health.output.slice(-1500)}`);
      const after = (await labStatus(ctx)).state;
      const back = await run(ctx, ['quick']);
      return [classOf(first.journal.get('quick')), classOf(second.journal.get('quick')), quarantined, `refused: ${refusedClass}`, `health: exit ${health.exitCode}`, after, classOf(back.journal.get('quick'))].join(', ');
    },
  },
];

/**
 * The bundled arm64 image whose /init exits at once, so its kernel panics ("Attempted to kill
 * init"): the kernel unpacks archives in order, and the appended one's /init replaces the image's.
 */
function panicImage(ctx: Ctx): string {
  const image = fixtureImageFiles('arm64', 'harness', ctx.cacheDir);
  const prefix = join(ctx.lab.dir, 'panic');
  const init = new CpioBuilder().file('init', '#!/bin/busybox sh\necho harness-fault: panic\nexit 1\n', 0o755).toBuffer();
  writeFileSync(`${prefix}-initrd.img`, concatInitrd([readFileSync(image.initrd), init]));
  symlinkSync(image.kernel, `${prefix}-kernel`);
  copyFileSync(image.cmdline, `${prefix}-cmdline`);
  return prefix;
}

/** The reset button: QEMU's system_reset through the power switch script. */
async function resetBoard(name: string): Promise<void> {
  const [program, ...args] = boardPower(name, '', 'reset');
  await execa(program!, args, { reject: false });
}

/** Processes of the row still alive (its QEMU, ser2net) and images left in its TFTP folder. */
function orphansOf(ctx: Ctx, services: number[]): string[] {
  const found: string[] = [];
  for (const p of processTable()) {
    const cmdline = cmdlineOf(p.pid) ?? '';
    if (cmdline.includes(boardDir(ctx.name)) && /qemu-system/.test(cmdline)) found.push(`qemu pid ${p.pid}`);
    if (services.includes(p.pid)) found.push(`service pid ${p.pid}: ${cmdline}`);
  }
  const tftp = ctx.lab.tftp;
  if (existsSync(tftp)) for (const f of readdirSync(tftp)) found.push(`TFTP file ${f}`);
  return found;
}

export async function runBoardFault(spec: BoardFaultSpec, cacheDir?: string): Promise<FaultRow> {
  const started = performance.now();
  const name = `fault-${spec.name}`;
  const notes: string[] = [];
  let relay: Relay | undefined;
  let ser2net: Awaited<ReturnType<typeof startSer2net>> | undefined;
  let lab: TestLab | undefined;
  let observed: string;
  const ctx = { name, notes, lost: [] as string[], cacheDir } as Omit<Ctx, 'lab'> & { lab?: TestLab };
  try {
    await boardOff(name);
    if (spec.services === 'relay' || spec.services === 'garbling-relay') relay = await startRelay({ device: join(boardDir(name), 'uart'), bytesPerSecond: 1_000_000, garble: spec.services === 'garbling-relay' });
    if (spec.services === 'ser2net') ser2net = await startSer2net(join(boardDir(name), 'uart'));
    lab = writeLab([{ name, ...spec.board?.({ relay, ser2net }) }], spec.labExtra);
    observed = await spec.act({ ...ctx, lab } as Ctx, { relay, ser2net });
  } catch (error) {
    observed = `suite error: ${error instanceof Error ? error.message : String(error)}`;
  }
  await boardOff(name);
  const servicePids = [ser2net?.child.pid].filter((p): p is number => p !== undefined);
  await ser2net?.stop().catch(() => undefined);
  await relay?.stop();
  const orphans = lab ? orphansOf({ ...ctx, lab } as Ctx, servicePids) : [];
  notes.push(...orphans.map((o) => `orphan: ${o}`));
  if (ctx.lost.length) notes.push(`lost: ${ctx.lost.join(', ')}`);
  const ok = observed === spec.expected && orphans.length === 0 && ctx.lost.length === 0;
  if (ok && lab) rmSync(lab.dir, { recursive: true, force: true });
  return { fault: spec.name, expected: spec.expected, observed, orphans: orphans.length, lost: ctx.lost.length, ok, durationMs: performance.now() - started, notes, outDir: lab?.dir ?? '' };
}

/** The board rows, two at a time (two emulated boards at most on two cores). */
export async function runBoardFaultSuite(opts: { only?: readonly string[]; cacheDir?: string; parallel?: number; log?: (line: string) => void } = {}): Promise<FaultRow[]> {
  const specs = BOARD_FAULTS.filter((f) => !opts.only || opts.only.includes(f.name));
  if (!specs.length) return [];
  await needLabPackages();
  const rows = new Array<FaultRow>(specs.length);
  const queue = specs.map((_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      opts.log?.(`fault ${specs[i]!.name}: running`);
      rows[i] = await runBoardFault(specs[i]!, opts.cacheDir);
      opts.log?.(`fault ${specs[i]!.name}: ${rows[i]!.ok ? 'ok' : 'WRONG'} (${rows[i]!.observed}; ${(rows[i]!.durationMs / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 2, specs.length)) }, worker));
  return rows;
}
