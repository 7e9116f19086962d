/**
 * Boards for real, on the emulated board: QEMU's arm64 virt machine running Debian's U-Boot, its UART
 * a pty, TFTP from QEMU's user network. The harness drives it as any board: power on, interrupt
 * autoboot, load kernel and initrd over TFTP, booti, then the agent over the one UART. The lab's
 * services are the real ones: ser2net and pdudaemon from Debian.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootRecord, CaseResult } from '../../../harness/model/types.js';
import { repoRoot } from '../../../harness/cli/repo-root.js';
import { harness } from '../../e2e/harness-cli.js';
import { needLabPackages, startPduDaemon, startSer2net } from '../../support/lab-services.js';
import { boardOff, boardPowerShell, uartOf, writeLab } from '../../support/emulated-lab.js';
import { startRelay } from '../../support/uart-relay.js';

interface ResultsJson {
  results: CaseResult[];
  boots: BootRecord[];
}
const readResults = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsJson;
const outDirs: string[] = [];
const out = (name: string) => {
  const dir = `/tmp/harness-board-${name}-${process.pid}`;
  outDirs.push(dir);
  return dir;
};
const boards = ['emulated-1', 'vm-raw', 'vm-rfc', 'pdu-board-1', 'pdu-board-2', 'vm-relay'];

beforeAll(async () => {
  await needLabPackages();
}, 900_000);
afterAll(async () => {
  for (const b of boards) await boardOff(b);
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

function expectAllPassed(results: CaseResult[], output: string): void {
  const bad = results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip');
  expect(bad.map((r) => `${r.platform} ${r.caseId}: ${r.outcome} ${r.reason ?? ''}`), output.slice(-3000)).toEqual([]);
}

/** Every session ended as it should: the agent's bye arrived (a relay once lost it to the power-off). */
function expectCleanEnds(dir: string): void {
  const { boots } = readResults(dir);
  expect(boots.map((b) => `${b.id}: ${b.outcome}${b.reason ? ` (${b.reason})` : ''}`)).toEqual(boots.map((b) => `${b.id}: ok`));
}

describe('the emulated board', () => {
  it('runs the bundled suite through U-Boot and TFTP with the checked-in test lab', async () => {
    const dir = out('suite');
    const run = await harness(['run', '--platform', 'board', '--lab', join(repoRoot, 'test/fixtures/lab/test-lab.yaml'), '--out', dir, '--no-history']);
    expect(run.exitCode, run.all).toBe(0);
    const { results, boots } = readResults(dir);
    expect(results.length).toBeGreaterThanOrEqual(10);
    expectAllPassed(results, run.all);
    expectCleanEnds(dir);
    const boot = boots[0]!;
    const order = ['powerOn', 'firstByte', 'firmware', 'bootloader', 'imagesLoaded', 'kernel', 'init', 'ready'] as const;
    const stamps = order.map((p) => boot.phases[p]);
    expect(stamps.every((s) => s !== undefined), JSON.stringify(boot.phases)).toBe(true);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThanOrEqual(stamps[i - 1]!);
    expect(boot.transfers?.map((t) => t.what)).toEqual(['kernel', 'initrd']);
    expect(boot.transfers!.every((t) => t.bytes > 1_000_000 && t.ms > 0)).toBe(true);
  });

  it('runs it through ser2net over RFC 2217, powered through pdudaemon, and a few cases over raw TCP', async () => {
    const ser2net = await startSer2net(uartOf('vm-rfc'));
    try {
      const lab = writeLab([{ name: 'vm-rfc', serial: { tcp: `127.0.0.1:${ser2net.rfc2217}`, protocol: 'rfc2217', baud: 115200 } }]);
      const dir = out('rfc2217');
      const run = await harness(['run', '--platform', 'board:vm-rfc', '--lab', lab.file, '--out', dir, '--no-history']);
      expect(run.exitCode, `${run.all}\n${ser2net.output()}`).toBe(0);
      expectAllPassed(readResults(dir).results, run.all);
      expectCleanEnds(dir);
    } finally {
      await ser2net.stop();
    }
    const raw = await startSer2net(uartOf('pdu-board-1'));
    // The TFTP folder first: pdudaemon's command lines name it.
    const { tftp } = writeLab([{ name: 'unused' }]);
    const pdu = await startPduDaemon(boardPowerShell('pdu-board-', tftp, 'on'), boardPowerShell('pdu-board-', tftp, 'off'));
    try {
      const lab = writeLab([{ name: 'pdu-board-1', serial: { tcp: `127.0.0.1:${raw.raw}` }, power: { driver: 'pdudaemon', url: pdu.url, pdu: pdu.pdu, port: 1 }, images: { tftp } }]);
      const dir = out('raw');
      const run = await harness(['run', '--platform', 'board', '--lab', lab.file, '--grep', '^(uname-arch|ns-pid1|env-and-exit)$', '--out', dir, '--no-history']);
      expect(run.exitCode, `${run.all}\n${pdu.output()}`).toBe(0);
      expect(readResults(dir).results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass']);
      expectCleanEnds(dir);
    } finally {
      await pdu.stop();
      await raw.stop();
    }
  });

  it('runs two boards of one lab in parallel, one session each, with --platform board', async () => {
    const lab = writeLab([{ name: 'pdu-board-1' }, { name: 'pdu-board-2' }]);
    const dir = out('two');
    const run = await harness(['run', '--platform', 'board', '--lab', lab.file, '--grep', '^(uname-arch|ns-pid1)$', '--out', dir, '--no-history']);
    expect(run.exitCode, run.all).toBe(0);
    const { results } = readResults(dir);
    expect(new Set(results.map((r) => r.platform))).toEqual(new Set(['board:pdu-board-1', 'board:pdu-board-2']));
    expectAllPassed(results, run.all);
    // Both boards' cases ran while the other board was up: their spans overlap.
    const span = (platform: string) => {
      const own = results.filter((r) => r.platform === platform).map((r) => Date.parse(r.startedAt));
      return [Math.min(...own), Math.max(...own)] as const;
    };
    const [a, b] = [span('board:pdu-board-1'), span('board:pdu-board-2')];
    expect(Math.abs(a[0] - b[0]), JSON.stringify({ a, b })).toBeLessThan(20_000);
  });

  it('runs cases through a UART paced at 115200 baud both ways (the relay stands in for the wire)', async () => {
    const relay = await startRelay({ device: uartOf('vm-relay'), bytesPerSecond: 11_520 });
    try {
      const lab = writeLab([{ name: 'vm-relay', serial: { tcp: `127.0.0.1:${relay.port}`, baud: 115200 }, payload: 'uart' }]);
      const dir = out('relay');
      // Case files cross the UART too: a subset keeps the upload within CI time at 11.5 kB/s.
      const run = await harness(['run', '--platform', 'board:vm-relay', '--lab', lab.file, '--grep', '^(uname-arch|env-and-exit|subtests-yaml|ns-rootfs)$', '--out', dir, '--no-history']);
      expect(run.exitCode, run.all).toBe(0);
      expect(readResults(dir).results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass']);
      expect(relay.carried.toBoard).toBeGreaterThan(8000);
    } finally {
      await relay.stop();
    }
  });

  it('lets two harness processes share one board one after the other, never at once', async () => {
    const lab = writeLab([{ name: 'vm-raw' }]);
    const [a, b] = [out('share-a'), out('share-b')];
    const args = (dir: string) => ['run', '--platform', 'board:vm-raw', '--lab', lab.file, '--grep', '^uname-arch$', '--out', dir, '--no-history'];
    const runs = await Promise.all([harness(args(a)), harness(args(b))]);
    for (const run of runs) expect(run.exitCode, run.all).toBe(0);
    const spans = [a, b].map((dir) => {
      const boot = readResults(dir).results[0]!;
      return [Date.parse(boot.startedAt), Date.parse(boot.startedAt) + boot.durationMs] as const;
    });
    const [first, second] = spans.sort((x, y) => x[0] - y[0]);
    // The second run's case began after the first one's board was given back.
    expect(second![0]).toBeGreaterThan(first![1]);
  });
});
