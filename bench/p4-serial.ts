/**
 * P4: goodput through a 115200-baud UART, both ways: the emulated board (QEMU virt + U-Boot) behind
 * the paced relay (test/support/uart-relay.ts), which carries 11,520 bytes/s each way as the wire
 * would. Both sides of each ratio run in the same boot.
 *
 * - case output: a container prints N bytes; N over the difference of the median times of that case
 *   and of an empty one is what the console carries (frames are base64, so 0.75 of the line rate is
 *   the ceiling);
 * - case-file upload: N bytes put through the agent in checked chunks (the same ceiling).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtures } from '../fixtures/build.js';
import { fixturePrefix, repoRoot } from '../fixtures/paths.js';
import { BootWatch } from '../harness/boot/boot-watch.js';
import { AgentLink } from '../harness/guest/agent-link.js';
import { casePayload } from '../harness/guest/bundle.js';
import { UART_UPLOAD } from '../harness/guest/framed-upload.js';
import { openImage } from '../harness/image/open-image.js';
import { Reaper } from '../harness/lifecycle/reaper.js';
import type { CaseDef } from '../harness/model/types.js';
import { DEFAULT_TIMEOUTS } from '../harness/run/run-targets.js';
import { createPlatforms } from '../platforms/registry.js';
import { boardOff, uartOf, writeLab } from '../test/support/emulated-lab.js';
import { needLabPackages } from '../test/support/lab-services.js';
import { startRelay } from '../test/support/uart-relay.js';
import { median, type Figure } from './lib/measure.js';

const LINE_RATE = 11_520;
const GOAL = 0.7;
const BOARD = 'bench-serial';

async function printingCase(root: string, id: string, count: number): Promise<CaseDef> {
  const dir = join(root, id);
  await mkdir(join(dir, 'files'), { recursive: true });
  await writeFile(join(dir, 'files', 'print.sh'), `head -c ${count} /dev/zero | tr '\\000' x\n`);
  return {
    id, dir, file: join(dir, 'case.yaml'), name: id, summary: 'prints', labels: [], arch: ['arm64'], platforms: ['board'],
    timeoutMs: 300_000, freshMachine: false, imageRunsOwnTests: false, privileged: false, capabilities: [], result: 'tap', files: ['print.sh'],
    containers: [{ name: 'c', rootfs: 'base', run: ['/bin/sh', '/case/print.sh'], env: {} }],
  };
}

export async function p4(runs: number, bytes = 60_000): Promise<Figure[]> {
  await needLabPackages();
  await buildFixtures({ arches: ['arm64'], log: () => {} });
  const root = await mkdtemp(join(tmpdir(), 'harness-bench-serial-'));
  const reaper = new Reaper();
  const relay = await startRelay({ device: uartOf(BOARD), bytesPerSecond: LINE_RATE });
  try {
    const lab = writeLab([{ name: BOARD, serial: { tcp: `127.0.0.1:${relay.port}`, baud: 115200 }, payload: 'uart' }], { state: join(root, 'state') });
    const [platform] = createPlatforms(`board:${BOARD}`, { reaper, cacheDir: join(repoRoot, '.cache'), options: { lab: lab.file } });
    const image = await openImage(fixturePrefix('arm64', 'harness'), 'fixtures');
    const cases = [await printingCase(root, 'print-none', 0), await printingCase(root, 'print-many', bytes)];
    const lease = await platform!.lease({ sessionId: 'bench', signal: reaper.signal });
    const machine = await lease.start(image, { bootId: 'bench', outDir: root, payload: [], rootfs: [], freshBoot: true, secrets: [], onPhase: () => undefined });
    try {
      const watch = new BootWatch(machine, machine.console!);
      const link = await AgentLink.typed(machine, machine.console!, watch, DEFAULT_TIMEOUTS);
      const tuning = machine.transfer.kind === 'agent' ? { ...UART_UPLOAD, chunkBytes: machine.transfer.chunkBytes, window: machine.transfer.window } : UART_UPLOAD;
      await link.put(await casePayload(cases, 'arm64', platform!.name), tuning);

      const upload: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = machine.now();
        await link.put([{ path: `bench/blob-${i}`, data: randomBytes(bytes), mode: 0o644 }], tuning);
        upload.push(bytes / ((machine.now() - t0) / 1000) / LINE_RATE);
      }
      const timed = async (id: string) => {
        let got = 0;
        const t0 = machine.now();
        const unit = await link.run(id, 'c', 300_000, { stdout: (b) => void (got += b.length), stderr: () => undefined });
        if (unit.exit !== 0) throw new Error(`${id} exited ${String(unit.exit)}`);
        return { ms: machine.now() - t0, got };
      };
      const empty: number[] = [];
      const full: number[] = [];
      for (let i = 0; i < runs; i++) {
        empty.push((await timed('print-none')).ms);
        const printed = await timed('print-many');
        if (printed.got !== bytes) throw new Error(`print-many gave ${printed.got} bytes, not ${bytes}`);
        full.push(printed.ms);
      }
      await link.bye();
      // One slow empty case must not make the line look faster than it is: medians on both sides.
      const base = median(empty);
      const seconds = (median(full) - base) / 1000;
      const up = median(upload);
      const bps = (x: number) => `${((x * LINE_RATE) / 1000).toFixed(2)} kB/s`;
      return [
        {
          id: 'P4',
          what: 'case output over a 115200-baud UART / line rate (arm64 board)',
          value: bytes / seconds / LINE_RATE,
          goal: { op: '>=', value: GOAL },
          detail: `${bytes} B in ${seconds.toFixed(2)} s (print ${(median(full) / 1000).toFixed(2)} s − empty ${(base / 1000).toFixed(2)} s) / 11.52 kB/s (medians of ${runs}; base64 caps it at 0.75)`,
        },
        {
          id: 'P4',
          what: 'case-file upload over the same UART / line rate',
          value: up,
          goal: { op: '>=', value: GOAL },
          detail: `${bps(up)} / 11.52 kB/s, ${bytes} B per put (median of ${runs})`,
        },
      ];
    } finally {
      await machine.end('bench done');
      await lease.release();
    }
  } finally {
    await relay.stop();
    await reaper.reapAll();
    await boardOff(BOARD);
    await rm(root, { recursive: true, force: true });
  }
}
