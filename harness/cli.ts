import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { buildFixtures } from '../fixtures/build.js';
import { ensureHostTools } from '../fixtures/host-tools.js';
import { repoRoot } from '../fixtures/paths.js';
import { discoverCases } from './cases/load.js';
import { selectCases } from './cases/select.js';
import { doctor } from './commands/doctor.js';
import { parsePlatform } from './commands/platforms.js';
import { runCommand, type RunFlags, type Terminal } from './commands/run.js';
import { InfraError, UsageError } from './errors.js';
import { Reaper } from './reaper.js';
import { EXIT } from './types.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
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

/** Builds the command tree; `exit` receives each command's exit code. */
function program(reaper: Reaper, exit: (code: number) => void): Command {
  const cli = new Command('harness')
    .description('Boot LinuxKit-style images on QEMU, cloud VMs and boards, and run test cases in containers inside them')
    .option('--cache <dir>', 'cache folder for downloads, fixtures and probes', resolve(repoRoot, '.cache'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  cli
    .command('run')
    .description('boot the image and run the selected cases')
    .option('-p, --platform <name>', 'x86_64, arm64, s390x, or qemu for all three', 'qemu')
    .option('--image <prefix>', 'a LinuxKit image: <prefix>-kernel, <prefix>-initrd.img, <prefix>-cmdline (default: the bundled fixture)')
    .option('-g, --grep <regex>', 'only cases whose id, name or summary match')
    .option('-l, --label <label>', 'only cases with this label; !label excludes (repeatable)', collect, [])
    .option('-r, --reporter <names>', 'human, tap, junit, json (repeatable or comma-separated)', collect, [])
    .option('-o, --out <dir>', 'output folder (default: out/<run id>, linked from out/latest)')
    .option('-t, --timeout <seconds>', 'per-case timeout, overriding case.yaml', positiveInt)
    .option('--cases <dir>', 'folder of case folders', resolve(repoRoot, 'cases'))
    .option('--shard <i/n>', 'run shard i of n')
    .option('--slots <n>', 'parallel boots (default: from cores and memory)', positiveInt)
    .option('--channel <kind>', 'agent frames over a virtio-serial port, or over the console as on a one-UART board', 'virtio')
    .action(async (opts: Omit<RunFlags, 'cache'>) => {
      const reporter = opts.reporter.length ? opts.reporter : ['human', 'tap', 'junit', 'json'];
      const summary = await runCommand({ ...opts, reporter, cache: cli.opts<{ cache: string }>().cache }, terminalFromEnv(), reaper);
      exit(summary.exitCode);
    });

  cli
    .command('list')
    .description('list the cases a run would select, and why the others are left out')
    .option('-p, --platform <name>', 'x86_64, arm64, s390x, or qemu for all three', 'qemu')
    .option('-g, --grep <regex>', 'only cases whose id, name or summary match')
    .option('-l, --label <label>', 'only cases with this label; !label excludes (repeatable)', collect, [])
    .option('--cases <dir>', 'folder of case folders', resolve(repoRoot, 'cases'))
    .action(async (opts: { platform: string; grep?: string; label: string[]; cases: string }) => {
      const cases = await discoverCases(opts.cases);
      const { selected, skipped } = selectCases(cases, { arches: parsePlatform(opts.platform), platformKind: 'qemu', grep: opts.grep, labels: opts.label });
      for (const s of selected) process.stdout.write(`${s.arch.padEnd(7)} ${s.case.id.padEnd(20)} ${s.case.summary}\n`);
      for (const s of skipped) process.stdout.write(`skip    ${s.caseId.padEnd(20)} ${s.reason}\n`);
      exit(EXIT.ok);
    });

  const fixtures = cli.command('fixtures').description('the bundled images');
  fixtures
    .command('build')
    .description('download Debian packages and build the bundled images (cached)')
    .option('-p, --platform <name>', 'x86_64, arm64, s390x, or qemu for all three', 'qemu')
    .option('--force', 'rebuild even when up to date', false)
    .action(async (opts: { platform: string; force: boolean }) => {
      await buildFixtures({ arches: parsePlatform(opts.platform), cacheDir: cli.opts<{ cache: string }>().cache, force: opts.force, log: (l: string) => process.stdout.write(`${l}\n`) });
      exit(EXIT.ok);
    });

  cli
    .command('setup')
    .description('install the host packages the harness needs (apt, as root) and build the bundled images')
    .action(async () => {
      const log = (l: string) => process.stdout.write(`${l}\n`);
      const { missing } = await ensureHostTools({ install: true, log });
      if (missing.length) throw new InfraError(`still missing after installing: ${missing.join(', ')}`);
      await buildFixtures({ arches: parsePlatform('qemu'), cacheDir: cli.opts<{ cache: string }>().cache, log });
      exit(EXIT.ok);
    });

  cli
    .command('doctor')
    .description('check the host: tools, accelerators, bundled images')
    .action(async () => {
      const lines = await doctor(cli.opts<{ cache: string }>().cache, reaper);
      for (const l of lines) process.stdout.write(`${l.ok ? 'ok  ' : 'FAIL'} ${l.what.padEnd(12)} ${l.detail}\n`);
      exit(lines.every((l) => l.ok) ? EXIT.ok : EXIT.infra);
    });
  return cli;
}

/** Entry point: returns the process exit code; the single owner of signal handling and the reaper. */
export async function main(argv: string[]): Promise<number> {
  const reaper = new Reaper();
  let code: number = EXIT.ok;
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nharness: ${signal}, stopping machines\n`);
    void reaper.reapAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program(reaper, (c) => (code = c)).parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      process.stderr.write(`harness: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`harness: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.infra;
  } finally {
    await reaper.reapAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
