/**
 * Boot time per image format and architecture: every disk fixture (fixtures/disk-images.ts) and the
 * bundled kernel+initrd, booted `--repeat` times one at a time (`--slots 1`, so guests do not share
 * the cores) through `harness run`, one trivial case each. Prints the median of each phase, the
 * firmware phase (QEMU start and firmware, up to the boot loader or kernel) included.
 *
 *   npx tsx bench/boot-formats.ts [--repeat 5] [--only efi-raw,bios-iso]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildFixtures } from '../fixtures/build.js';
import { buildDiskImages, DISK_FIXTURES, diskFixturePath, type DiskFixtureName } from '../fixtures/disk-images.js';
import type { Arch, BootRecord, PhaseName } from '../harness/model/types.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '5' }, only: { type: 'string' } } });
const repeat = Number(values.repeat);
const only = values.only?.split(',');
const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** ms from phase `from` to the first of `to` that the boot has, or undefined. */
function span(b: BootRecord, from: PhaseName, to: PhaseName[]): number | undefined {
  const start = b.phases[from];
  const end = to.map((p) => b.phases[p]).find((v) => v !== undefined);
  return start === undefined || end === undefined ? undefined : end - start;
}

interface Row {
  format: string;
  arch: Arch;
  firmware: string;
  boots: BootRecord[];
}

async function measure(arch: Arch, format: string, image: string | undefined): Promise<Row> {
  const out = await mkdtemp(join(tmpdir(), 'harness-bench-formats-'));
  try {
    const args = ['run', '--platform', `qemu:${arch}`, ...(image ? ['--image', image] : []), '--grep', '^uname-arch$', '--repeat', String(repeat), '--slots', '1', '--no-history', '--reporter', 'json', '--out', join(out, 'run')];
    const run = await execa('node', ['--import', 'tsx', 'harness/cli/bin.ts', ...args], { cwd: root, reject: false, all: true, env: { NO_COLOR: '1' } });
    if (run.exitCode !== 0) throw new Error(`${format} on ${arch}: harness run exited ${run.exitCode}\n${run.all}`);
    const { boots } = JSON.parse(await readFile(join(out, 'run', 'results.json'), 'utf8')) as { boots: BootRecord[] };
    const doctor = await execa('node', ['--import', 'tsx', 'harness/cli/bin.ts', 'doctor', '--platform', `qemu:${arch}`, ...(image ? ['--image', image] : [])], { cwd: root, reject: false, all: true });
    const firmware = /firmware (\S+);/.exec(doctor.all)?.[1] ?? '?';
    return { format, arch, firmware, boots: boots.filter((b) => b.outcome === 'ok') };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const arches: Arch[] = ['x86_64', 'arm64'];
await buildFixtures({ arches, log });
await buildDiskImages({ arches, log });
const rows: Row[] = [];
for (const arch of arches) {
  const formats: [string, string | undefined][] = [['kernel+initrd', undefined]];
  for (const name of (DISK_FIXTURES[arch] ?? []).filter((n: DiskFixtureName) => n !== 'login-raw')) formats.push([name, diskFixturePath(arch, name)]);
  for (const [format, image] of formats) {
    if (only && !only.includes(format)) continue;
    log(`boot-formats: ${format} on ${arch}, ${repeat} boots`);
    rows.push(await measure(arch, format, image));
  }
}

const ms = (v: number | undefined) => (v === undefined ? '-' : (v / 1000).toFixed(2));
const table = [
  ['format', 'arch', 'firmware', 'boots', 'firmware s', 'loader s', 'kernel s', 'userland s', 'ready s'],
  ...rows.map((r) => {
    const m = (from: PhaseName, to: PhaseName[]) => median(r.boots.flatMap((b) => span(b, from, to) ?? []));
    return [
      r.format, r.arch, r.firmware, String(r.boots.length),
      ms(m('spawn', ['bootloader', 'kernel'])),
      ms(m('bootloader', ['kernel'])),
      ms(m('kernel', ['init'])),
      ms(m('init', ['ready'])),
      ms(m('spawn', ['ready'])),
    ];
  }),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(`boot time per format, median of ${repeat} (TCG unless the probe found KVM); firmware = QEMU start to boot loader or kernel`);
for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
