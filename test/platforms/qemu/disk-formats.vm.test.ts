/**
 * Every LinuxKit output format on real QEMU (issue 11): the bundled suite through `harness run
 * --image <file>` for each disk fixture, a few cases each and the whole suite on the raw EFI disk;
 * firmware and boot loader phases from the console; the user's image never written; the history
 * keeping formats apart.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskFixturePath, LOGIN_FIXTURE, type DiskFixtureName } from '../../../fixtures/disk-images.js';
import { sshClientKeyPath } from '../../../fixtures/paths.js';
import { fingerprintKey } from '../../../harness/history/fingerprint.js';
import { HistoryStore } from '../../../harness/history/store.js';
import type { Arch, RunSummary } from '../../../harness/model/types.js';
import { harness } from '../../e2e/harness-cli.js';

const FEW = '^(uname-arch|ns-rootfs|env-and-exit)$';
const history = join(mkdtempSync(join(tmpdir(), 'harness-formats-history-')), 'history.sqlite');

type Results = Pick<RunSummary, 'results' | 'boots' | 'exitCode'>;

async function runImage(arch: Arch, image: string | undefined, extra: string[] = [], env: Record<string, string> = {}): Promise<{ out: string; results: Results; all: string }> {
  const out = mkdtempSync(join(tmpdir(), 'harness-format-'));
  const run = await harness(['run', '--platform', `qemu:${arch}`, ...(image ? ['--image', image] : []), '--out', out, '--history', history, ...extra], env);
  expect(run.exitCode, run.all).toBe(0);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  expect(results.results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip'), run.all).toEqual([]);
  return { out, results, all: run.all };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Formats, whether the firmware and a boot loader show on the console, and the firmware the history records. */
const X86: [string, DiskFixtureName, boolean, string][] = [
  ['BIOS ISO', 'bios-iso', true, 'seabios'],
  ['EFI ISO', 'efi-iso', true, 'ovmf'],
  ['qcow2', 'efi-qcow2', true, 'ovmf'],
  ['VHD', 'efi-vhd', true, 'ovmf'],
  ['VMDK', 'efi-vmdk', true, 'ovmf'],
  ['kernel+squashfs', 'squashfs', false, 'seabios'],
  ['kernel+erofs', 'erofs', false, 'seabios'],
];

describe('x86_64: the bundled suite in every format', () => {
  it('passes the whole suite from the raw EFI disk, which is never written', async () => {
    const raw = diskFixturePath('x86_64', 'efi-raw');
    const before = sha256(raw);
    const { results } = await runImage('x86_64', raw);
    expect(results.results.filter((r) => r.outcome === 'pass').length).toBeGreaterThanOrEqual(10);
    for (const boot of results.boots.filter((b) => b.image === 'harness-efi.img')) expect(boot.phases).toMatchObject({ firmware: expect.any(Number), bootloader: expect.any(Number), kernel: expect.any(Number) });
    expect(sha256(raw)).toBe(before);
  });

  it('passes as kernel+initrd with the SeaBIOS phase measured', async () => {
    // A real boot: a session restored from a snapshot has no firmware to measure.
    const { results } = await runImage('x86_64', undefined, ['--grep', FEW, '--no-snapshot']);
    expect(results.boots[0]!.phases.firmware).toBeLessThan(results.boots[0]!.phases.kernel!);
  });

  it.each(X86)('passes as %s', async (_label, fixture, loader) => {
    const image = diskFixturePath('x86_64', fixture);
    const file = fixture === 'squashfs' || fixture === 'erofs' ? `${image}-${fixture}.img` : image;
    const before = sha256(file);
    const { results } = await runImage('x86_64', image, ['--grep', FEW]);
    expect(results.results.map((r) => r.caseId).sort()).toEqual(['env-and-exit', 'ns-rootfs', 'uname-arch']);
    const phases = results.boots[0]!.phases;
    expect(phases.firmware, JSON.stringify(phases)).toBeLessThan(phases.kernel!);
    if (loader) expect(phases.bootloader, JSON.stringify(phases)).toBeLessThan(phases.kernel!);
    expect(sha256(file)).toBe(before);
  });

  it('keeps each format and firmware apart in the history', () => {
    const store = HistoryStore.open(history);
    try {
      const runs = store.runs({ platform: 'qemu:x86_64' });
      const formats = new Map(runs.map((r) => [`${r.fingerprint['imageFormat']}/${r.fingerprint['firmware']}`, fingerprintKey(r.fingerprint)]));
      for (const [, , , firmware] of X86) expect([...formats.keys()].some((k) => k.endsWith(`/${firmware}`))).toBe(true);
      expect([...formats.keys()]).toEqual(expect.arrayContaining(['raw/ovmf', 'iso/seabios', 'iso/ovmf', 'qcow2/ovmf', 'vhd/ovmf', 'vmdk/ovmf', 'kernel+initrd/seabios', 'kernel+squashfs/seabios', 'kernel+erofs/seabios']));
      expect(new Set(formats.values()).size).toBe(formats.size);
    } finally {
      store.close();
    }
  });
});

/** A one-case suite that reports what the guest sees of the devices and sizes it was given. */
function devicesSuite(): string {
  const suite = mkdtempSync(join(tmpdir(), 'harness-devices-'));
  mkdirSync(join(suite, 'lib'));
  copyFileSync(new URL('../../../cases/lib/tap.sh', import.meta.url), join(suite, 'lib', 'tap.sh'));
  mkdirSync(join(suite, 'devices', 'files'), { recursive: true });
  writeFileSync(join(suite, 'devices', 'case.yaml'), 'summary: the guest has the vCPUs, memory and disks it was given\ncontainers:\n  - name: probe\n    run: [/bin/sh, /case/test.sh]\n');
  writeFileSync(
    join(suite, 'devices', 'files', 'test.sh'),
    [
      '. /case/lib/tap.sh',
      "echo 'TAP version 14'",
      "echo '1..4'",
      'report "two vCPUs" "$(nproc)" [ "$(nproc)" = 2 ]',
      "mem=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)",
      'report "about 768 MiB" "$mem" [ "$mem" -gt 600 -a "$mem" -le 768 ]',
      'report "the image disk on virtio-scsi" "$(ls /sys/block)" [ -e /sys/block/sda ]',
      // The kernel scans SCSI targets asynchronously: on a loaded host the data disk may come after init starts.
      'data=; for i in $(seq 300); do data=$(grep -l harness-data0 /sys/block/sd*/device/vpd_pg80 2>/dev/null) && break; sleep 0.1; done',
      'report "the data disk beside it, by its serial" "$(ls /sys/block)" [ -n "$data" ]',
      '[ "$failed" -eq 0 ]',
      '',
    ].join('\n'),
  );
  return suite;
}

describe('QEMU options on a disk boot', () => {
  it('gives the guest --cpus, --mem, --disk-bus virtio-scsi and a --disk, and never writes a --disk file', async () => {
    const data = join(mkdtempSync(join(tmpdir(), 'harness-data-')), 'data.raw');
    writeFileSync(data, Buffer.alloc(64 * 2 ** 20));
    const before = sha256(data);
    const { results } = await runImage('x86_64', diskFixturePath('x86_64', 'efi-raw'), ['--cases', devicesSuite(), '--cpus', '2', '--mem', '768M', '--disk-bus', 'virtio-scsi', '--disk', `file=${data}`]);
    expect(results.results.map((r) => [r.caseId, r.outcome])).toEqual([['devices', 'pass']]);
    expect(sha256(data)).toBe(before);
  });
});

describe('the login-only disk', () => {
  it('logs in at the console with a password from the environment, which no output shows', async () => {
    const { out, results } = await runImage(
      'x86_64',
      diskFixturePath('x86_64', 'login-raw'),
      ['--grep', FEW, '--login-user', LOGIN_FIXTURE.user, '--login-password-env', 'HARNESS_FIXTURE_LOGIN'],
      { HARNESS_FIXTURE_LOGIN: LOGIN_FIXTURE.password },
    );
    expect(results.results).toHaveLength(3);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    for (const file of files(out)) expect(readFileSync(file, 'latin1').includes(LOGIN_FIXTURE.password), file).toBe(false);
    expect(readFileSync(results.boots[0]!.consoleLog, 'utf8')).toMatch(/login:/);
  });

  it('execs the agent over SSH, the host key pinned from the console', async () => {
    const { results } = await runImage('x86_64', diskFixturePath('x86_64', 'login-raw'), ['--grep', FEW, '--login', 'ssh', '--identity', sshClientKeyPath('x86_64')]);
    expect(results.results).toHaveLength(3);
    expect(results.boots[0]!.guest?.channel).toBe('stdio');
    expect(results.boots[0]!.phases).toMatchObject({ firmware: expect.any(Number), connect: expect.any(Number) });
  });

  it('refuses a guest whose host key is not the pinned one', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-format-'));
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const run = await harness(['run', '--platform', 'qemu:x86_64', '--image', diskFixturePath('x86_64', 'login-raw'), '--grep', '^uname-arch$', '--login', 'ssh', '--identity', sshClientKeyPath('x86_64'), '--host-key', wrong, '--infra-retries', '0', '--out', out, '--no-history']);
    expect(run.exitCode, run.all).toBe(3);
    expect(run.all).toMatch(/host key/i);
  });
});

describe('arm64: kernel+initrd, EFI ISO and EFI disk', () => {
  it.each([
    ['kernel+initrd', undefined],
    ['EFI ISO', diskFixturePath('arm64', 'efi-iso')],
    ['EFI disk', diskFixturePath('arm64', 'efi-raw')],
  ])('passes as %s', async (label, image) => {
    const { results } = await runImage('arm64', image, ['--grep', FEW]);
    expect(results.results).toHaveLength(3);
    if (image) expect(results.boots[0]!.phases).toMatchObject({ firmware: expect.any(Number), bootloader: expect.any(Number) });
    expect(label).toBeTruthy();
  });

  it('refuses a disk on s390x, naming zipl', async () => {
    const run = await harness(['run', '--platform', 'qemu:s390x', '--image', diskFixturePath('x86_64', 'efi-raw'), '--no-history']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/zipl/);
  });
});
