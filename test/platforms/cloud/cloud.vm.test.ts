/**
 * A cloud run end to end with real bytes everywhere but the cloud's API: EC2 is aws-sdk-client-mock
 * (every EC2Client the platform makes), and the "instance" it reports is the dropbear guest fixture
 * under QEMU. Its console output, as GetConsoleOutput returns it, is the guest's real console log,
 * with the host-key block the guest printed; the run key the mock's ImportKeyPair receives is put
 * into the guest's authorized_keys (as EC2's metadata would); SSH is the harness's transport, the
 * cases are the bundled suite. EC2 sees port 22 only, so 127.0.0.2:22 relays to the guest's port.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, ImportKeyPairCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSshFixtures, type SshArchManifest } from '../../../fixtures/ssh-image.js';
import { runCommand, type RunFlags } from '../../../harness/cli/commands/run.js';
import { repoRoot } from '../../../harness/cli/repo-root.js';
import { shQuote } from '../../../harness/guest/sh-quote.js';
import { Reaper } from '../../../harness/lifecycle/reaper.js';
import type { RunSummary } from '../../../harness/model/types.js';
import type { ResultsFile } from '../../../harness/report/json.js';
import { connectPinned, execOut, startSshGuest, type SshGuest } from '../../support/ssh-guest.js';
import { ec2World } from './aws/ec2-world.js';

const log = (line: string) => process.stderr.write(`[cloud] ${line}\n`);
const root = mkdtempSync(join(tmpdir(), 'harness-cloud-vm-'));
const ADDRESS = '127.0.0.2';

/** 127.0.0.2:22 → 127.0.0.1:port, byte for byte. */
async function relay(port: number): Promise<Server> {
  const server = createServer((inbound) => {
    const outbound = createConnection(port, '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    const close = () => (inbound.destroy(), outbound.destroy());
    inbound.on('error', close);
    outbound.on('error', close);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(22, ADDRESS, resolve));
  return server;
}

describe('harness run on aws:t3.micro (mocked EC2, a real guest behind it)', () => {
  let fixture: SshArchManifest;
  let guest: SshGuest;
  let forward: Server;
  let world: ReturnType<typeof ec2World>;
  const output: string[] = [];
  let summary: RunSummary;
  const out = join(root, 'suite');

  /** Logs in as the fixture's own client would, to look at the guest from outside the run. */
  async function onGuest(command: string): Promise<string> {
    const client = await connectPinned({ port: guest.port, username: 'root', privateKey: readFileSync(fixture.clientKey, 'utf8'), fingerprint: guest.hostKeys[0]!.fingerprint });
    try {
      const result = await execOut(client, command);
      if (result.code !== 0) throw new Error(`${command}: exit ${result.code}: ${result.stderr}`);
      return result.stdout;
    } finally {
      client.end();
    }
  }

  const run = (extra: Partial<RunFlags>, dir: string) =>
    runCommand(
      {
        platform: 'aws:t3.micro',
        label: [],
        reporter: ['human', 'json'],
        out: dir,
        cases: [join(repoRoot, 'cases')],
        cache: join(repoRoot, '.cache'),
        repeat: 1,
        retries: 0,
        infraRetries: 0,
        history: false,
        platformOptions: { awsImage: 'ami-0123456789abcdef0', awsRegion: 'eu-west-1', cloudRunnerIp: '127.0.0.1', maxInstances: '1', maxLifetime: '30m' },
        ...extra,
      },
      { write: (t) => output.push(t), color: false, live: false },
      new Reaper(),
    );

  beforeAll(async () => {
    fixture = (await buildSshFixtures({ arches: ['x86_64'], log })).arches.x86_64!;
    guest = await startSshGuest({ fixture, image: 'ssh' });
    forward = await relay(guest.port);
    world = ec2World(
      {
        address: ADDRESS,
        console: () => guest.console(),
        onImportKey: async (key) => void (await onGuest(`printf '%s\\n' ${shQuote(key.trim())} >> /root/.ssh/authorized_keys`)),
      },
      EC2Client,
    );
    summary = await run({}, out);
    log(output.join('').split('\n').slice(-15).join('\n'));
  }, 900_000);

  afterAll(async () => {
    world?.mock.restore();
    forward?.close();
    await guest?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the bundled suite over SSH with exit 0, every case passed or skipped', () => {
    expect(summary.exitCode, output.join('')).toBe(0);
    expect(summary.results.length).toBeGreaterThanOrEqual(8);
    expect(summary.results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip')).toEqual([]);
    expect(new Set(summary.results.map((r) => r.platform))).toEqual(new Set(['aws:t3.micro']));
  });

  it('provisioned an instance per boot through EC2 with the run key, pinned the host key the guest printed, and destroyed everything', () => {
    const boots = summary.boots.length;
    // Privileged and fresh-machine cases get boots of their own.
    expect(boots).toBeGreaterThan(1);
    expect(world.mock.commandCalls(RunInstancesCommand)).toHaveLength(boots);
    const keys = new Set(world.mock.commandCalls(ImportKeyPairCommand).map((c) => Buffer.from(c.args[0].input.PublicKeyMaterial!).toString()));
    // One key for the whole run, made for it: not the fixture's own.
    expect(keys.size).toBe(1);
    expect([...keys][0]).not.toContain(fixture.clientPublicKey.split(' ')[1]);
    expect(world.mock.commandCalls(TerminateInstancesCommand)).toHaveLength(boots);
    expect(world.live.size).toBe(0);
    // Pinned, not trusted on first use: the run never had --trust-on-first-use.
    expect(guest.console()).toContain(`256 ${guest.hostKeys[0]!.fingerprint} root@harness-ssh (ED25519)`);
  });

  it('stamps the cloud phases around the console’s, and records instance-seconds in results.json and the summary', () => {
    const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    const order = ['request', 'running', 'sshReady', 'ready', 'firstCase', 'lastCaseEnd', 'disconnect', 'destroyed'] as const;
    for (const boot of file.boots) {
      const stamps = order.map((p) => boot.phases[p]);
      expect(stamps.every((s) => s !== undefined), JSON.stringify(boot.phases)).toBe(true);
      expect([...stamps].sort((a, b) => a! - b!)).toEqual(stamps);
      expect(Object.keys(boot.phases)).toEqual(expect.arrayContaining(['firstByte', 'kernel', 'init']));
      expect(boot.instanceSeconds).toBeGreaterThan(0);
      // The guest's whole console came back on every poll; the log has it once.
      expect(readFileSync(boot.consoleLog, 'utf8').match(/Linux version/g)).toHaveLength(1);
    }
    const total = Math.round(file.boots.reduce((sum, b) => sum + b.instanceSeconds!, 0) * 10) / 10;
    expect(file.usage).toEqual({ instances: file.boots.length, instanceSeconds: total });
    expect(output.join('')).toContain(`cloud: ${total} instance-seconds over ${file.boots.length} instance(s)`);
  });

  it('leaves no state folder on the guest', async () => {
    expect((await onGuest('ls -d /tmp/harness.* 2>/dev/null; echo up')).trim()).toBe('up');
  });

  it('destroys the instance after a case fails, too', async () => {
    const before = world.mock.commandCalls(TerminateInstancesCommand).length;
    const failed = await run({ label: ['fails-on-purpose'], reporter: ['json'] }, join(root, 'failing'));
    // An infrastructure error here says why in the failure, not only that the exit code was 3.
    const why = JSON.stringify([...failed.results.map((r) => [r.caseId, r.outcome, r.reason]), ...failed.boots.map((b) => [b.id, b.outcome, b.reason])]);
    expect(failed.exitCode, why).toBe(1);
    expect(failed.results.find((r) => r.caseId === 'fails-on-purpose')?.outcome).toBe('fail');
    expect(world.mock.commandCalls(TerminateInstancesCommand)).toHaveLength(before + 1);
    expect(world.live.size).toBe(0);
  }, 600_000);
});
