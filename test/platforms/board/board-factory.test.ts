import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Reaper } from '../../../harness/lifecycle/reaper.js';
import { createPlatforms, inventories } from '../../../platforms/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-board-factory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'tftp'));
const lab = join(dir, 'lab.yaml');
const board = (name: string, labels: string[], extra = '') =>
  `  - name: ${name}\n    arch: arm64\n    labels: [${labels.join(', ')}]\n    console: ttyS0\n    serial: { device: /dev/null }\n    power: { driver: manual }\n    boot: { method: direct }\n${extra}`;
writeFileSync(lab, `state: state\nboards:\n${board('pi-1', ['rpi4', 'usb'], '    login: { user: pi, password-env: HARNESS_TEST_PI_PASSWORD }\n')}${board('pi-2', ['rpi4'])}${board('odroid', ['odroid'])}`);

const make = (name: string, options: Record<string, unknown>) => createPlatforms(name, { reaper: new Reaper(), cacheDir: join(dir, 'cache'), options });

describe('board factory', () => {
  it('makes one platform per board name, or every board matching --board-label', () => {
    expect(make('board:pi-2', { lab }).map((p) => [p.name, p.kind, p.arch])).toEqual([['board:pi-2', 'board', 'arm64']]);
    expect(make('board', { lab, boardLabel: 'rpi4' }).map((p) => p.name)).toEqual(['board:pi-1', 'board:pi-2']);
    expect(make('board', { lab, boardLabel: 'rpi4,!usb' }).map((p) => p.name)).toEqual(['board:pi-2']);
    expect(() => make('board:nope', { lab })).toThrow(/no board "nope" in .*lab\.yaml; it has pi-1, pi-2, odroid/);
    expect(() => make('board', {})).toThrow(/--lab: board platforms need a lab file/);
    expect(() => make('board', { lab, boardLabel: 'jetson' })).toThrow(/no free board in .* with labels jetson/);
  });

  it('keeps a board quarantined out of --platform board and says why in the probe and the inventory', async () => {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'odroid.health.json'), JSON.stringify({ infraInARow: 3, quarantined: { since: '2026-01-01T00:00:00.000Z', reason: '3 infrastructure failures in a row' } }));
    expect(make('board', { lab }).map((p) => p.name)).toEqual(['board:pi-1', 'board:pi-2']);
    const [odroid] = make('board:odroid', { lab });
    const caps = await odroid!.probe({ kind: 'host', name: 'host' });
    expect(caps).toMatchObject({ available: false, reason: expect.stringMatching(/quarantined since 2026-01-01.*harness lab health odroid/) });
    const [healthCheck] = make('board:odroid', { lab, healthCheck: true });
    expect((await healthCheck!.probe({ kind: 'host', name: 'host' })).available).toBe(true);
    const entries = (await inventories({ lab }, dir))[0]!.entries;
    expect(entries.map((e) => [e.name, e.state])).toEqual([['pi-1', 'free'], ['pi-2', 'free'], ['odroid', 'quarantined']]);
  });

  it("gives its console password to the run's redaction, and is unavailable without it", async () => {
    process.env.HARNESS_TEST_PI_PASSWORD = 'correct horse battery staple';
    try {
      expect(make('board:pi-1', { lab })[0]!.secrets?.()).toEqual(['correct horse battery staple']);
    } finally {
      delete process.env.HARNESS_TEST_PI_PASSWORD;
    }
    const caps = await make('board:pi-1', { lab })[0]!.probe({ kind: 'host', name: 'host' });
    expect(caps.reason).toMatch(/password in \$HARNESS_TEST_PI_PASSWORD, which is not set/);
  });
});
