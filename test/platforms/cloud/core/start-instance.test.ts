import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { announcedHostKey as announced, FakeCloud, FakeConnector, fakeCloudPlatform, recordingGuardian, type FakeResource } from '../../../support/fake-cloud.js';

const BOOT = '[    0.000000] Linux version 6.1.0 (builder@x) #1 SMP\n[    1.200000] Run /init as init process\n';

function expectAllDeleted(cloud: FakeCloud) {
  expect(cloud.live.size).toBe(0);
  expect([...cloud.deleted].sort()).toEqual([...cloud.created].sort());
}

describe('a cloud start', () => {
  it('creates, streams the console, pins the host keys it printed, logs in, and destroys everything at the end', async () => {
    const key = announced();
    const cloud = new FakeCloud({ console: [BOOT, 'cloud-init starting\n', key.text] });
    const connector = new FakeConnector({ refusals: 2 });
    const { guardian, commands, released } = recordingGuardian();
    const rig = fakeCloudPlatform(cloud, connector, {}, { guardian });
    const machine = await rig.start();

    expect(cloud.live.size).toBe(3);
    expect(connector.logins).toHaveLength(3);
    expect(connector.logins[2]).toMatchObject({ host: '192.0.2.10', port: 22, user: 'root', hostKeys: { kind: 'pinned', fingerprints: [key.fingerprint] } });
    expect(readFileSync(connector.logins[2]!.identity, 'utf8')).toContain('OPENSSH PRIVATE KEY');
    const request = cloud.requests[0]!;
    expect(request).toMatchObject({ runnerCidr: '198.51.100.7/32', user: 'root', lifetimeMs: 60_000 });
    expect(request.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ harness-[0-9a-f]{8}$/);
    expect(request.name).toMatch(/^harness-[0-9a-f]{8}-x86-64-0-0$/);
    expect(request.tags).toMatchObject({ run: '2026-12-01T09-00-00-000Z', creator: 'tester@runner', session: 'x86_64-0-0' });
    expect(request.tags.expires.getTime() - Date.now()).toBeGreaterThan(55_000);
    // The guardian would run `harness cloud gc` for this run if the harness were killed now.
    expect(commands).toEqual([{ argv: ['harness', 'cloud', 'gc', '--provider', 'fake', '--run', '2026-12-01T09-00-00-000Z', '--fake-region', 'here-1'], log: expect.stringContaining(rig.outDir) }]);

    const ended = await machine.end('session end');
    expect(ended.detail).toMatch(/all 3 resource\(s\) gone/);
    expectAllDeleted(cloud);
    // Newest first: the instance goes before the firewall and key pair it used.
    expect(cloud.deleted).toEqual(['instance', 'firewall', 'key pair'].map((r) => `${r} ${request.name}`));
    expect(released).toEqual(commands);
    expect(rig.phases.map(([p]) => p)).toEqual(['request', 'running', 'sshReady', 'destroyed']);
    expect(readFileSync(join(rig.outDir, 'x86_64-0-0.console.log'), 'utf8')).toContain('Linux version 6.1.0');
    expect(rig.reaper.size).toBe(1); // only the run's key folder, removed at the run's end
    await rig.reaper.reapAll();
  });

  it.each<[string, FakeResource, boolean]>([
    ['the key pair create fails', 'key pair', false],
    ['the firewall create fails', 'firewall', false],
    ['the instance create fails', 'instance', false],
    ['the instance create lands but its answer is lost', 'instance', true],
  ])('deletes what was made when %s', async (_, failCreate, landed) => {
    const cloud = new FakeCloud({ failCreate, landed });
    const rig = fakeCloudPlatform(cloud, new FakeConnector());
    await expect(rig.start()).rejects.toThrow(/quota exceeded; all \d resource\(s\) gone/);
    expectAllDeleted(cloud);
    expect(rig.phases.map(([p]) => p)).toEqual(['request', 'destroyed']);
  });

  it('deletes everything when the instance never runs', async () => {
    const cloud = new FakeCloud({ neverRuns: true });
    const rig = fakeCloudPlatform(cloud, new FakeConnector());
    await expect(rig.start()).rejects.toThrow(/was not running within 0 s/);
    expectAllDeleted(cloud);
    expect(cloud.created).toHaveLength(3);
  });

  it('deletes everything when SSH never comes up', async () => {
    const cloud = new FakeCloud({ console: [announced().text] });
    const connector = new FakeConnector({ refusals: 1000 });
    const rig = fakeCloudPlatform(cloud, connector);
    await expect(rig.start()).rejects.toThrow(/SSH to root@192\.0\.2\.10 did not come up within 0 s: connect ECONNREFUSED/);
    expect(connector.logins.length).toBeGreaterThan(3);
    expectAllDeleted(cloud);
  });

  it('deletes everything at once when the host key does not match, without retrying', async () => {
    const cloud = new FakeCloud({ console: [announced().text] });
    const connector = new FakeConnector({ mismatch: true });
    const rig = fakeCloudPlatform(cloud, connector);
    await expect(rig.start()).rejects.toThrow(/host key mismatch/);
    expect(connector.logins).toHaveLength(1);
    expectAllDeleted(cloud);
  });

  it('refuses an instance whose host keys cannot be verified, unless trusting the first use was asked for', async () => {
    const refused = new FakeCloud({ console: [BOOT] });
    const connector = new FakeConnector();
    await expect(fakeCloudPlatform(refused, connector).start()).rejects.toThrow(/no SSH host keys for fake-harness-\S+ within 0 s: .*BEGIN SSH HOST KEY FINGERPRINTS.*--trust-on-first-use/);
    expect(connector.logins).toHaveLength(0);
    expectAllDeleted(refused);

    const trusting = new FakeCloud({ console: [BOOT] });
    const rig = fakeCloudPlatform(trusting, connector, { trustOnFirstUse: true });
    const machine = await rig.start();
    expect(connector.logins[0]!.hostKeys).toEqual({ kind: 'tofu', file: expect.stringMatching(/known_hosts$/) });
    await machine.end('done');
    expectAllDeleted(trusting);
  });

  it("pins the provider's own host keys when the console has none", async () => {
    const cloud = new FakeCloud({ providerKeys: [{ type: 'ssh-ed25519', fingerprint: 'SHA256:fromguestattributes' }] });
    const connector = new FakeConnector();
    const machine = await fakeCloudPlatform(cloud, connector).start();
    expect(connector.logins[0]!.hostKeys).toEqual({ kind: 'pinned', fingerprints: ['SHA256:fromguestattributes'] });
    await machine.end('done');
  });

  it('deletes everything on SIGINT while waiting for the instance, and on SIGINT once it runs', async () => {
    const waiting = new FakeCloud({ neverRuns: true });
    const rig = fakeCloudPlatform(waiting, new FakeConnector(), {}, { timings: { runningTimeoutMs: 60_000 } });
    const started = rig.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 50));
    await rig.reaper.stop('SIGINT received');
    expect(String(await started)).toMatch(/SIGINT received; all 3 resource\(s\) gone/);
    expectAllDeleted(waiting);

    const running = new FakeCloud({ console: [announced().text] });
    const rig2 = fakeCloudPlatform(running, new FakeConnector());
    const machine = await rig2.start();
    expect(running.live.size).toBe(3);
    await rig2.reaper.stop('SIGINT received');
    expectAllDeleted(running);
    // The session's own end afterwards finds it done and says so.
    expect((await machine.end('interrupted')).detail).toMatch(/all 3 resource\(s\) gone/);
  });

  it('destroys the instance at its maximum lifetime, and the machine exits saying why', async () => {
    const cloud = new FakeCloud({ console: [announced().text] });
    const rig = fakeCloudPlatform(cloud, new FakeConnector(), { lifetimeMs: 400 });
    const machine = await rig.start();
    const end = await machine.exited;
    expect(end).toMatchObject({ clean: false, detail: expect.stringMatching(/maximum lifetime reached; all 3 resource\(s\) gone/) });
    expectAllDeleted(cloud);
  });

  it('tries a resource that is still in use again, and reports what it could not delete', async () => {
    const cloud = new FakeCloud({ console: [announced().text], busy: { resource: 'firewall', times: 3 } });
    const machine = await fakeCloudPlatform(cloud, new FakeConnector()).start();
    await machine.end('done');
    expectAllDeleted(cloud);

    const stuck = new FakeCloud({ console: [announced().text], busy: { resource: 'firewall', times: 1e6 } });
    const stuckMachine = await fakeCloudPlatform(stuck, new FakeConnector(), {}, { timings: { teardown: { budgetMs: 100, retryMs: 10 } } }).start();
    const ended = await stuckMachine.end('done');
    expect(ended.detail).toMatch(/left for `harness cloud gc`: firewall harness-\S+ \(firewall is in use\)/);
    expect([...stuck.live]).toEqual([expect.stringMatching(/^firewall /)]);
    expect(stuck.deleted).toHaveLength(2);
  });

  it('ends the start at a kernel panic on the console, as a boot error, and deletes everything', async () => {
    const cloud = new FakeCloud({ console: [BOOT, '[    2.100000] Kernel panic - not syncing: VFS: Unable to mount root fs\n'] });
    const rig = fakeCloudPlatform(cloud, new FakeConnector({ refusals: 1e6 }), {}, { timings: { sshTimeoutMs: 60_000 } });
    const started = Date.now();
    await expect(rig.start()).rejects.toThrow(expect.objectContaining({ name: 'BootError', message: expect.stringMatching(/^kernel panic: Kernel panic - not syncing: VFS/) }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expectAllDeleted(cloud);
  });

  it('hands the console over as soon as it exists, and keeps back one still silent once SSH works', async () => {
    const key = announced();
    const handed: number[] = [];
    const rig = fakeCloudPlatform(new FakeCloud({ console: [key.text] }), new FakeConnector());
    const machine = await rig.start('x86_64-0-0', { onConsole: (console) => handed.push(console.log.size) });
    expect(handed).toEqual([0]);
    expect(machine.console).toBeDefined();
    await machine.end('done');
    const silent = await fakeCloudPlatform(new FakeCloud({ providerKeys: [{ type: 'ED25519', fingerprint: 'SHA256:x' }] }), new FakeConnector()).start();
    expect(silent.console).toBeUndefined();
    await silent.end('done');
  });

  it('holds one of --max-instances per instance', async () => {
    const rig = fakeCloudPlatform(new FakeCloud(), new FakeConnector(), { maxInstances: 1 });
    const first = await rig.platform.lease({ sessionId: 'a', signal: rig.reaper.signal });
    let second = false;
    const waiting = rig.platform.lease({ sessionId: 'b', signal: rig.reaper.signal }).then((lease) => ((second = true), lease));
    await new Promise((r) => setTimeout(r, 30));
    expect(second).toBe(false);
    await first.release();
    await (await waiting).release();
    expect(second).toBe(true);
  });
});
