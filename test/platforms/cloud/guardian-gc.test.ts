import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { addCloudCommands } from '../../../harness/cli/commands/cloud.js';
import { cloudGc, cloudUpload } from '../../../platforms/cloud/cloud-commands.js';
import type { GcTarget, TaggedResource } from '../../../platforms/cloud/core/gc.js';

const dir = mkdtempSync(join(tmpdir(), 'guardian-gc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RUN = '2026-12-01T09-00-00-000Z';

/** Starts the stand-in harness, waits until it registered its gc command, and SIGKILLs it. */
async function killedHarness(marker: string): Promise<void> {
  const child = fileURLToPath(new URL('./guardian-gc-child.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', child, marker, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    proc.on('exit', (code) => reject(new Error(`exited ${code} before it was ready`)));
  });
  proc.kill('SIGKILL');
  await once(proc, 'exit');
}

describe('after a SIGKILL, the guardian’s gc', () => {
  it('is run by the guardian as `cloud gc --provider aws --run <id>` with the provider’s flags', async () => {
    const marker = join(dir, 'argv.json');
    await killedHarness(marker);
    const until = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual(['cloud', 'gc', '--provider', 'aws', '--run', RUN, '--aws-region', 'eu-west-1']);
  }, 30_000);

  it('is, as the CLI parses that command, a gc that deletes the killed run’s resources though they have not expired', async () => {
    const lines: string[] = [];
    const deleted: string[] = [];
    const inFuture = new Date(Date.now() + 3_600_000);
    const resources: TaggedResource[] = [
      { kind: 'key pair', id: 'key-killed', tags: { run: RUN, creator: 'ci@runner', expires: inFuture } },
      { kind: 'instance', id: 'i-killed', tags: { run: RUN, creator: 'ci@runner', expires: inFuture } },
      { kind: 'instance', id: 'i-other-live-run', tags: { run: 'another', creator: 'ci@runner', expires: inFuture } },
    ];
    const asked: { provider: string; region: unknown }[] = [];
    const target = (provider: string, options: Readonly<Record<string, unknown>>): GcTarget => {
      asked.push({ provider, region: options['awsRegion'] });
      return { provider, list: async () => resources, remove: async (r) => void deleted.push(r.id) };
    };
    let code: number | undefined;
    const cli = new Command('harness').exitOverride();
    addCloudCommands(cli, (c) => (code = c), (t) => lines.push(t), async () => ({ cloudGc: (flags, print) => cloudGc(flags, print, target), cloudUpload }));
    await cli.parseAsync(['cloud', 'gc', '--provider', 'aws', '--run', RUN, '--aws-region', 'eu-west-1'], { from: 'user' });
    expect(code).toBe(0);
    expect(asked).toEqual([{ provider: 'aws', region: 'eu-west-1' }]);
    expect(deleted).toEqual(['i-killed', 'key-killed']);
    expect(lines.join('')).toContain(`deleted aws instance i-killed (run ${RUN}`);
  });
});
