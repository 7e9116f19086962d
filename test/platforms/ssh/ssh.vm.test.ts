/**
 * The SSH platform against a real SSH server: the dropbear guest fixtures under QEMU with port 22
 * forwarded. The bundled suite runs over SSH on a host that has a container runtime of its own and
 * on one that has nothing but an SSH server, and the results look like a QEMU run's.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSshFixtures, type SshArchManifest } from '../../../fixtures/ssh-image.js';
import { ed25519Pair } from '../../../platforms/shared/ssh/ed25519-pair.js';
import type { CaseResult } from '../../../harness/model/types.js';
import { harness } from '../../e2e/harness-cli.js';
import { connectPinned, execOut, startSshGuest, type SshGuest } from '../../support/ssh-guest.js';

const log = (line: string) => process.stderr.write(`[ssh] ${line}\n`);
const root = mkdtempSync(join(tmpdir(), 'harness-ssh-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Results {
  results: CaseResult[];
  boots: { platform: string; outcome: string; phases: Record<string, number>; guest?: { agent: string; runtime: string; isolation: string } }[];
}
const readResults = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;

function knownHosts(guest: SshGuest, file: string): string {
  const line = `[127.0.0.1]:${guest.port} ${guest.hostKeys[0]!.publicKey!.split(' ').slice(0, 2).join(' ')}\n`;
  writeFileSync(file, line);
  return file;
}

describe.each([
  ['x86_64', 'ssh'],
  ['x86_64', 'ssh-bare'],
  ['arm64', 'ssh-bare'],
] as const)('harness run on an SSH host (%s %s image)', (arch, image) => {
  let fixture: SshArchManifest;
  let guest: SshGuest;
  const out = join(root, `${arch}-${image}`);
  let run: Awaited<ReturnType<typeof harness>>;

  beforeAll(async () => {
    fixture = (await buildSshFixtures({ arches: [arch], log })).arches[arch]!;
    guest = await startSshGuest({ fixture, image });
    const hosts = knownHosts(guest, join(root, `${arch}-${image}.known_hosts`));
    run = await harness(['run', '--platform', `ssh:root@127.0.0.1:${guest.port}`, '--identity', fixture.clientKey, '--known-hosts', hosts, '--out', out, '--no-history']);
    log(`${arch} ${image}: exit ${run.exitCode}\n${run.stdout.split('\n').slice(-12).join('\n')}`);
  }, 600_000);
  afterAll(async () => {
    await guest?.stop();
  });

  it('runs the bundled suite with exit 0, every case passed or skipped', () => {
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const { results } = readResults(out);
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip')).toEqual([]);
    expect(new Set(results.map((r) => r.platform))).toEqual(new Set([`ssh:root@127.0.0.1:${guest.port}`]));
  });

  it('records connect → ready → firstCase → lastCaseEnd and no phase that did not happen', () => {
    const { boots } = readResults(out);
    for (const b of boots.filter((x) => x.outcome === 'ok')) {
      expect(Object.keys(b.phases)).toEqual(expect.arrayContaining(['connect', 'ready', 'firstCase', 'lastCaseEnd', 'disconnect']));
      expect(b.phases).not.toHaveProperty('kernel');
      expect(b.phases).not.toHaveProperty('poweroff');
    }
  });

  it('uses the host\'s own runtime where it has one, and says where isolation is reduced', () => {
    const { boots, results } = readResults(out);
    const guestRuntime = boots.find((b) => b.guest)?.guest;
    // agent.sh hands over to the compiled agent shipped with the payload, running as root by sudo alike.
    expect(guestRuntime?.agent).toBe('agentd');
    if (image === 'ssh') {
      expect(guestRuntime).toMatchObject({ runtime: 'crun', isolation: 'full' });
      expect(results.find((r) => r.caseId === 'escapes-closed')?.outcome).toBe('pass');
    } else {
      expect(guestRuntime).toMatchObject({ runtime: 'unshare', isolation: 'reduced' });
      expect(results.filter((r) => r.isolation !== 'reduced')).toEqual([]);
      expect(results.find((r) => r.caseId === 'escapes-closed')).toMatchObject({ outcome: 'skip' });
    }
  });

  it('leaves the host up and no state folder behind', async () => {
    const client = await connectPinned({ port: guest.port, username: 'root', privateKey: readFileSync(fixture.clientKey, 'utf8'), fingerprint: guest.hostKeys[0]!.fingerprint });
    try {
      const { stdout } = await execOut(client, 'ls -d /tmp/harness.* 2>/dev/null; echo up');
      expect(stdout.trim()).toBe('up');
    } finally {
      client.end();
    }
  });
});

describe('one run over QEMU and an SSH host side by side', () => {
  let fixture: SshArchManifest;
  let guest: SshGuest;
  beforeAll(async () => {
    fixture = (await buildSshFixtures({ arches: ['x86_64'], log })).arches.x86_64!;
    guest = await startSshGuest({ fixture, image: 'ssh' });
  }, 600_000);
  afterAll(async () => {
    await guest?.stop();
  });

  it('reports the same cases per platform in the human output, results.json and JUnit', async () => {
    const out = join(root, 'mixed');
    const hosts = knownHosts(guest, join(root, 'mixed.known_hosts'));
    const ssh = `ssh:root@127.0.0.1:${guest.port}`;
    const run = await harness(['run', '--platform', `qemu:x86_64,${ssh}`, '--identity', fixture.clientKey, '--known-hosts', hosts, '--grep', '^(uname-arch|ns-pid1)$', '--out', out, '--no-history']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const pairs = readResults(out).results.map((r) => `${r.platform} ${r.caseId} ${r.outcome}`);
    expect(pairs).toEqual([`qemu:x86_64 ns-pid1 pass`, `qemu:x86_64 uname-arch pass`, `${ssh} ns-pid1 pass`, `${ssh} uname-arch pass`]);
    expect(run.stdout).toMatch(new RegExp(`^  qemu:x86_64: 2 passed$`, 'm'));
    expect(run.stdout).toContain(`  ${ssh}: 2 passed`);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toContain('name="qemu:x86_64"');
    expect(junit).toContain(`name="${ssh}"`);
  }, 300_000);
});

describe('SSH hosts that must be refused', () => {
  let fixture: SshArchManifest;
  let guest: SshGuest;
  beforeAll(async () => {
    fixture = (await buildSshFixtures({ arches: ['x86_64'], log })).arches.x86_64!;
    guest = await startSshGuest({ fixture, image: 'ssh-bare' });
  }, 600_000);
  afterAll(async () => {
    await guest?.stop();
  });
  const target = () => `ssh:root@127.0.0.1:${guest.port}`;

  it('refuses a wrong host key, showing both fingerprints, and boots nothing', async () => {
    const out = join(root, 'wrong-key');
    const run = await harness(['run', '--platform', target(), '--identity', fixture.clientKey, '--host-key', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--grep', '^uname-arch$', '--out', out, '--no-history']);
    expect(run.exitCode).toBe(3);
    const { results } = readResults(out);
    expect(results[0]).toMatchObject({ outcome: 'error', errorClass: 'infra' });
    expect(results[0]!.reason).toContain(guest.hostKeys[0]!.fingerprint);
    expect(results[0]!.reason).toContain('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('refuses an unknown host without --trust-on-first-use, and learns it with the flag', async () => {
    const cache = join(root, 'tofu-cache');
    const refused = await harness(['--cache', cache, 'run', '--platform', target(), '--identity', fixture.clientKey, '--grep', '^uname-arch$', '--out', join(root, 'unknown'), '--no-history']);
    expect(refused.exitCode).toBe(3);
    expect(readResults(join(root, 'unknown')).results[0]!.reason).toMatch(/--trust-on-first-use/);
    expect(existsSync(join(cache, 'ssh', 'known_hosts'))).toBe(false);
  });

  it('fails a login it cannot make with exit 3 and the reason', async () => {
    const other = join(root, 'other-key');
    writeFileSync(other, ed25519Pair().private, { mode: 0o600 });
    const hosts = knownHosts(guest, join(root, 'login.known_hosts'));
    const out = join(root, 'bad-login');
    const run = await harness(['run', '--platform', target(), '--identity', other, '--known-hosts', hosts, '--grep', '^uname-arch$', '--out', out, '--no-history']);
    expect(run.exitCode).toBe(3);
    expect(readResults(out).results[0]!.reason).toMatch(/authentication failed for root@127\.0\.0\.1/);
  });

  it('refuses a user who cannot sudo', async () => {
    const hosts = knownHosts(guest, join(root, 'sudo.known_hosts'));
    const out = join(root, 'no-sudo');
    const run = await harness(['run', '--platform', `ssh:tester@127.0.0.1:${guest.port}`, '--identity', fixture.clientKey, '--known-hosts', hosts, '--grep', '^uname-arch$', '--out', out, '--no-history']);
    expect(run.exitCode).toBe(3);
    expect(readResults(out).results[0]!.reason).toMatch(/tester@127\.0\.0\.1:\d+: user tester cannot run sudo without a password/);
  });
});
