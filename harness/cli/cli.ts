import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { addCloudCommands } from './commands/cloud.js';
import { parseArches } from './commands/platforms.js';
import { repoRoot } from './repo-root.js';
import { platformForms, platformOptions } from '../../platforms/registry.js';
import type { ReportFlags } from './commands/report.js';
import type { Terminal } from './commands/run.js';
import type { RunOnlyFlags } from './commands/run-projects.js';
import { HarnessFailure, UsageError } from '../model/errors.js';
import { Guardian } from '../lifecycle/guardian.js';
import { Reaper } from '../lifecycle/reaper.js';
import { EXIT } from '../model/types.js';
import { defaultReporterNames } from '../report/reporter-names.js';
import { scrubLine } from '../report/scrub-line.js';
import { MAX_TIMER_MS, TOO_LONG } from '../select/duration.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const DEFAULT_CASES: readonly string[] = [resolve(repoRoot, 'cases')];
/** The first --cases replaces the bundled suite; later ones add to it. */
const collectCases = (value: string, previous: readonly string[]) => (previous === DEFAULT_CASES ? [resolve(value)] : [...previous, resolve(value)]);
const CONFIG_HELP = 'harness.config.{ts,js,json,yaml}';
const nonNegativeInt = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return n;
};
const DEFAULT_HISTORY = 'out/history.sqlite';
const probability = (value: string) => {
  const p = Number(value);
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`"${value}" is not a probability between 0 and 1`);
  return p;
};
/** `-j auto` leaves the choice to each platform (QEMU: cores and free memory); a number is a number. */
const jobs = (value: string) => (value === 'auto' ? undefined : positiveInt(value));
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
};
/** Seconds a timer will wait for. */
const timerSeconds = (value: string) => {
  const n = positiveInt(value);
  if (n * 1000 > MAX_TIMER_MS) throw new InvalidArgumentError(`"${value}" seconds is ${TOO_LONG}`);
  return n;
};

function terminalFromEnv(): Terminal {
  const tty = process.stdout.isTTY === true;
  return {
    write: (text) => process.stdout.write(text),
    color: tty && !('NO_COLOR' in process.env && process.env.NO_COLOR !== ''),
    live: tty && process.env.CI === undefined,
  };
}

/**
 * Builds the command tree; `exit` receives each command's exit code. Commands are imported when they
 * run: loading every command's modules cost half a second before QEMU could start.
 */
function program(reaper: Reaper, exit: (code: number) => void): Command {
  const cli = new Command('harness')
    .description('Boot LinuxKit-style images on QEMU, cloud VMs and boards, and run test cases in containers inside them')
    .option('--cache <dir>', 'cache folder for downloads, fixtures and probes', resolve(repoRoot, '.cache'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const platformHelp = `where to run, a list that may mix kinds: ${platformForms().join(', ')}`;
  // Each platform kind brings its own options; the core only passes them on.
  const platformKeys = new Set<string>();
  /** The options a config file's projects may also set, and the two that pick the projects. */
  const addSettings = (command: Command): Command => {
    command
      .option('--config <file>', `config file with projects (default: ${CONFIG_HELP} here or above, up to the repository root)`)
      .option('--project <name>', 'only this project of the config file (repeatable; default: every project)', collect, [])
      .option('-p, --platform <names>', platformHelp, 'qemu')
      .option('--image <file|prefix>', 'an ISO, a raw, qcow2, VHD or VMDK disk, or a LinuxKit prefix (<prefix>-kernel with -initrd.img, -squashfs.img or -erofs.img); default: the bundled fixture')
      .option('-g, --grep <regex>', 'only cases whose id, name or summary match')
      .option('-l, --label <label>', 'only cases with this label; !label excludes (repeatable)', collect, [])
      .option('--cases <dir>', 'folder of case folders (repeatable; default: the bundled cases/)', collectCases, DEFAULT_CASES)
      .option('-r, --reporter <names>', 'human, tap, junit, json, html, github (repeatable or comma-separated)', collect, [])
      .option('-t, --timeout <seconds>', 'per-case timeout, overriding case.yaml', timerSeconds)
      .option('--boot-timeout <seconds>', 'spawn to a ready shell, before the boot counts as failed', timerSeconds)
      .option('--retries <n>', 'rerun a failed case up to n times; a later pass is reported as flaky', nonNegativeInt, 0)
      .option('--infra-retries <n>', 'boot again up to n times for cases an infrastructure error kept from running', nonNegativeInt, 2);
    // Kinds may share an option (--identity serves SSH hosts and QEMU guests reached over SSH): once each.
    const added = new Set<string>();
    for (const option of platformOptions()) {
      const created = command.createOption(option.flags, option.description);
      if (added.has(created.attributeName())) continue;
      if (option.repeatable) created.argParser(collect).default([]);
      else if (option.default !== undefined) created.default(option.default);
      command.addOption(created);
      added.add(created.attributeName());
      platformKeys.add(created.attributeName());
    }
    return command;
  };
  const runs = async (command: Command) => {
    const { projectRuns } = await import('./commands/projects.js');
    return projectRuns(command, platformKeys, defaultReporterNames(process.env), process.cwd());
  };

  addSettings(cli.command('run').description('boot the image and run the selected cases'))
    .option('-o, --out <dir>', 'output folder, new or empty (default: out/<run id>, linked from out/latest)')
    .option('--force-out', 'empty a non-empty --out folder first', false)
    .option('--shard <i/n>', 'run shard i of n')
    .option('-j, --jobs <n|auto>', 'sessions at once per platform capacity: auto (from cores and free memory, never more) or a number', jobs)
    .option('--slots <n>', 'the same as --jobs n', positiveInt)
    .option('--repeat <n>', 'boot every session n times to collect boot-time samples', positiveInt, 1)
    .option('--history <file>', 'SQLite history to record the run in', DEFAULT_HISTORY)
    .option('--no-history', 'do not record the run')
    .option('--revision <label>', 'what is being tested (a commit or a label) for the history; default: the run id')
    .option('--no-agentd', 'leave the compiled agent out of the payload: agent.sh runs every case itself')
    .action(async (opts: RunOnlyFlags & { jobs?: number }, command: Command) => {
      const projects = await runs(command);
      const { runProjects } = await import('./commands/run-projects.js');
      const rest: RunOnlyFlags = {
        out: opts.out,
        forceOut: opts.forceOut,
        shard: opts.shard,
        slots: opts.slots ?? opts.jobs,
        repeat: opts.repeat,
        history: opts.history,
        revision: opts.revision,
        agentd: opts.agentd,
        cache: cli.opts<{ cache: string }>().cache,
      };
      exit(await runProjects(projects, rest, terminalFromEnv(), reaper));
    });

  addSettings(cli.command('list').description('list the cases a run would select, and why the others are left out; with a config file, each project\'s settings and where they came from'))
    .action(async (_opts: unknown, command: Command) => {
      const projects = await runs(command);
      const { listCommand } = await import('./commands/list.js');
      await listCommand(projects, reaper, cli.opts<{ cache: string }>().cache, (t) => process.stdout.write(t));
      exit(EXIT.ok);
    });

  cli
    .command('report')
    .description('compare a run with earlier runs of the same platform and fingerprint; write Markdown, HTML and JSON')
    .option('--history <file>', 'SQLite history', DEFAULT_HISTORY)
    .option('--run <id>', 'the run to judge (default: the newest)')
    .option('-p, --platform <name>', 'only this platform instance, e.g. qemu-x86_64')
    .option('--window <n>', 'how many earlier runs form the baseline', positiveInt, 10)
    .option('--alpha <p>', 'significance level of the Mann-Whitney U test', probability)
    .option('--format <names>', 'markdown, html, json (repeatable or comma-separated)', collect, [])
    .option('-o, --out <dir>', 'where report.md, report.html and report.json go', 'out/report')
    .option('--fail-on-regression', 'exit 1 when something regressed', false)
    .action(async (opts: ReportFlags & { failOnRegression: boolean }) => {
      const { reportCommand } = await import('./commands/report.js');
      const report = await reportCommand(opts, (t) => process.stdout.write(t));
      exit(opts.failOnRegression && report.regressions > 0 ? EXIT.testFailed : EXIT.ok);
    });

  cli
    .command('collect <out>')
    .description('rebuild results.json, junit.xml and results.tap of an output folder from its results.jsonl (e.g. after a killed run)')
    .action(async (out: string) => {
      const { collectCommand } = await import('./commands/collect.js');
      const summary = await collectCommand(out, (t) => process.stdout.write(t));
      exit(summary.exitCode);
    });

  cli
    .command('merge <dirs...>')
    .description('join the output folders of --shard i/n runs into one results.json, junit.xml, results.tap and report.html')
    .option('-o, --out <dir>', 'where the merged reports go', 'out/merged')
    .option('--force-out', 'empty a non-empty --out folder first', false)
    .action(async (dirs: string[], opts: { out: string; forceOut: boolean }) => {
      const { mergeCommand } = await import('./commands/merge.js');
      const summary = await mergeCommand(dirs, opts.out, opts.forceOut, (t) => process.stdout.write(t));
      exit(summary.exitCode);
    });

  cli
    .command('import')
    .description('bring tests of another framework over as case folders')
    .command('rtf <dir>')
    .description('read an rtf / LinuxKit test/cases tree (test.sh, check.sh) and write a case folder for each test that can run; list the rest with the reason')
    .option('-o, --out <dir>', 'the folder of case folders to write into (existing cases are left alone)', 'cases')
    .action(async (dir: string, opts: { out: string }) => {
      const { importRtf } = await import('./commands/import.js');
      await importRtf(dir, opts.out, (t) => process.stdout.write(t));
      exit(EXIT.ok);
    });

  const history = cli.command('history').description('the run history store');
  history
    .command('export')
    .description('write the whole history as JSON (to a file or stdout)')
    .option('--history <file>', 'SQLite history', DEFAULT_HISTORY)
    .option('-o, --out <file>', 'JSON file to write')
    .action(async (opts: { history: string; out?: string }) => {
      const { exportHistory } = await import('./commands/history.js');
      await exportHistory(opts.history, opts.out, (t) => process.stdout.write(t));
      exit(EXIT.ok);
    });
  history
    .command('import <file>')
    .description('merge a JSON export into the history')
    .option('--history <file>', 'SQLite history', DEFAULT_HISTORY)
    .action(async (file: string, opts: { history: string }) => {
      const { importHistory } = await import('./commands/history.js');
      await importHistory(opts.history, file, (t) => process.stdout.write(t));
      exit(EXIT.ok);
    });

  const fixtures = cli.command('fixtures').description('the bundled images');
  fixtures
    .command('build')
    .description('download Debian packages and build the bundled images (cached)')
    .option('-p, --platform <name>', 'x86_64, arm64, s390x, or qemu for all three', 'qemu')
    .option('--force', 'rebuild even when up to date', false)
    .option('--disks', 'also the ISO, raw/qcow2/VHD/VMDK disk, squashfs and erofs fixtures (needs root)', false)
    .action(async (opts: { platform: string; force: boolean; disks: boolean }) => {
      const { buildBundled } = await import('./commands/fixtures.js');
      await buildBundled(parseArches(opts.platform), cli.opts<{ cache: string }>().cache, opts.force, opts.disks, (l: string) => process.stdout.write(`${l}\n`));
      exit(EXIT.ok);
    });

  cli
    .command('setup')
    .description('install the host packages the harness needs (apt, as root) and build the bundled images')
    .action(async () => {
      const { setupHost } = await import('./commands/fixtures.js');
      await setupHost(parseArches('qemu'), cli.opts<{ cache: string }>().cache, (l: string) => process.stdout.write(`${l}\n`));
      exit(EXIT.ok);
    });

  // Each platform kind brings its own options (`--channel` is QEMU's, `--lab` the boards'); the core only passes them on.


  const lab = cli.command('lab').description('the boards of a lab file: their leases and health');
  lab
    .command('status')
    .description('every board: free, leased (by whom, since when) or quarantined (why)')
    .requiredOption('--lab <file>', 'the lab file')
    .action(async (opts: { lab: string }) => {
      const { labStatus } = await import('./commands/lab.js');
      await labStatus(opts.lab, cli.opts<{ cache: string }>().cache, (t) => process.stdout.write(t));
      exit(EXIT.ok);
    });
  lab
    .command('health <board>')
    .description('boot a board and run one trivial case; a pass lifts its quarantine')
    .requiredOption('--lab <file>', 'the lab file')
    .option('-o, --out <dir>', 'output folder')
    .option('--boot-timeout <seconds>', 'power-on to a ready shell', positiveInt)
    .action(async (board: string, opts: { lab: string; out?: string; bootTimeout?: number }) => {
      const { labHealth } = await import('./commands/lab.js');
      const summary = await labHealth(board, { ...opts, cache: cli.opts<{ cache: string }>().cache }, terminalFromEnv(), reaper);
      exit(summary.exitCode);
    });

  addCloudCommands(cli, exit, (t: string) => process.stdout.write(t));

  cli
    .command('doctor')
    .description('check the host: tools, accelerators, bundled images, and what each platform can do')
    .option('-p, --platform <names>', platformHelp, 'qemu')
    .option('--image <file|prefix>', 'detect this image: its format, architecture and the firmware it needs, and probe it')
    .action(async (opts: { platform: string; image?: string }) => {
      const { doctor } = await import('./commands/doctor.js');
      const lines = await doctor(cli.opts<{ cache: string }>().cache, reaper, opts.platform, opts.image);
      const width = Math.max(12, ...lines.map((l) => l.what.length));
      for (const l of lines) process.stdout.write(`${l.ok ? 'ok  ' : 'FAIL'} ${l.what.padEnd(width)} ${l.detail}\n`);
      exit(lines.every((l) => l.ok) ? EXIT.ok : EXIT.infra);
    });
  return cli;
}

/** Error messages quote case files and guests; each of their lines is scrubbed, the line breaks kept. */
const terminalLines = (text: string): string => text.split('\n').map(scrubLine).join('\n');

/** Entry point: returns the process exit code; the single owner of signal handling and the reaper. */
export async function main(argv: string[]): Promise<number> {
  const guardian = Guardian.start();
  const reaper = new Reaper(guardian);
  let code: number = EXIT.ok;
  let signalled: NodeJS.Signals | undefined;
  const signalCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  // First signal: stop the machines and let the run write what it has. A second one exits at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(signalCode(signal));
    signalled = signal;
    process.stderr.write(`\nharness: ${signal}: stopping machines and writing partial results (again to quit at once)\n`);
    void reaper.stop(`${signal} received`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program(reaper, (c) => (code = c)).parseAsync(argv);
    return signalled ? signalCode(signalled) : code;
  } catch (error) {
    if (signalled) return signalCode(signalled);
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      process.stderr.write(`harness: ${terminalLines(error.message)}\n`);
      return EXIT.usage;
    }
    // Classified failures and system errors (a full disk) are explained by their message; anything else is a harness bug.
    const known = error instanceof HarnessFailure || (error instanceof Error && 'code' in error);
    process.stderr.write(`harness: ${terminalLines(error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error))}\n`);
    return EXIT.infra;
  } finally {
    await reaper.reapAll();
    guardian.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
