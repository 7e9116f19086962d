import type { Command } from 'commander';
import { CLOUD_GC_OPTIONS, CLOUD_UPLOAD_OPTIONS, cloudCommands } from '../../../platforms/registry.js';
import type { PlatformOption } from '../../../platforms/platform.js';
import { EXIT } from '../../model/types.js';

function withOptions(command: Command, options: PlatformOption[]): Command {
  for (const option of options) {
    const added = command.createOption(option.flags, option.description);
    if (option.default !== undefined) added.default(option.default);
    command.addOption(added);
  }
  return command;
}

type CloudCommands = Pick<Awaited<ReturnType<typeof cloudCommands>>, 'cloudGc' | 'cloudUpload'>;

/** `harness cloud gc` and `harness cloud upload`; `load` brings the commands (and the SDKs) when one runs. */
export function addCloudCommands(cli: Command, exit: (code: number) => void, write: (text: string) => void, load: () => Promise<CloudCommands> = cloudCommands): void {
  const cloud = cli.command('cloud').description('cloud VMs: delete what dead runs left, upload images');
  const print = (line: string) => write(`${line}\n`);
  withOptions(
    cloud
      .command('gc')
      .description('delete the resources of dead or expired runs (by their harness tags), and print each; never an untagged one or a live run’s')
      .option('--provider <name>', 'aws, gcp or azure (default: each whose location flag is given)')
      .option('--run <id>', 'this run is dead, whatever its expiry says')
      .option('--dry-run', 'print what would be deleted, delete nothing', false),
    CLOUD_GC_OPTIONS,
  ).action(async (opts: { provider?: string; run?: string; dryRun: boolean } & Record<string, unknown>) => {
    const { cloudGc } = await load();
    exit(await cloudGc({ provider: opts.provider, run: opts.run, dryRun: opts.dryRun, options: opts }, print));
  });
  withOptions(
    cloud
      .command('upload <image>')
      .description('upload what LinuxKit builds (aws: raw disk; gcp: tar.gz with disk.raw; azure: fixed VHD) through a bucket you own, and print the image id')
      .option('--provider <name>', 'aws, gcp or azure')
      .option('--bucket <name>', 'S3 or GCS bucket, or <storage account>/<container> on Azure, to stage the upload in'),
    CLOUD_UPLOAD_OPTIONS,
  ).action(async (image: string, opts: { provider?: string; bucket?: string } & Record<string, unknown>) => {
    const { cloudUpload } = await load();
    const id = await cloudUpload(image, { provider: opts.provider, bucket: opts.bucket, options: opts }, (line) => process.stderr.write(`${line}\n`));
    print(id);
    exit(EXIT.ok);
  });
}
