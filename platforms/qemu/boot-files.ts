/**
 * Makes a plan's files in the boot's private folder: qcow2 overlays over the user's images, new data
 * disks, the UEFI variable store copy. Nothing outside that folder is ever opened for writing.
 */
import { copyFile, open, truncate, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { InfraError, UsageError } from '../../harness/model/errors.js';
import { fileSource } from '../../harness/image/byte-source.js';
import { containerOf } from '../../harness/image/virtual-disk.js';
import type { BootPlan } from './boot-plan.js';
import type { Drive } from './drives.js';

const FORMAT_OF_CONTAINER = { qcow2: 'qcow2', vhd: 'vpc', vmdk: 'vmdk' } as const;

/** A data disk's format from its first and last sectors; anything else is raw. */
async function formatOf(path: string): Promise<string> {
  const source = await fileSource(path).catch((error: Error) => {
    throw new UsageError('--disk', `${path}: cannot be read (${error.message})`);
  });
  try {
    const head = await source.read(0, 512);
    const tail = await source.read(Math.max(0, source.size - 512), 512);
    const container = containerOf(head, tail);
    if (head.toString('latin1', 0, 21) === '# Disk DescriptorFile') return 'vmdk';
    return container ? FORMAT_OF_CONTAINER[container] : 'raw';
  } finally {
    await source.close();
  }
}

async function qemuImg(args: string[]): Promise<void> {
  // Loaded here: only disk boots need it, and execa is slow to load before QEMU can start.
  const { execa } = await import('execa');
  const result = await execa('qemu-img', args, { reject: false, stdin: 'ignore', all: true });
  if (result.failed) throw new InfraError(`qemu-img ${args.join(' ')} failed: ${(result.all ?? '').trim() || result.shortMessage}`);
}

/** The drives QEMU gets for the plan, with the private files they will live in. */
export function bootDrives(plan: BootPlan, dir: string): Drive[] {
  return plan.drives.map((planned, index) => {
    switch (planned.source) {
      case 'readonly':
        return { file: planned.file, format: 'raw', media: planned.media, readonly: true, bus: planned.bus, boot: planned.boot };
      case 'new':
        return { file: join(dir, `disk${index}.qcow2`), format: 'qcow2', media: 'disk', readonly: false, bus: planned.bus, serial: planned.serial };
      case 'overlay':
        return { file: join(dir, `disk${index}.qcow2`), format: 'qcow2', media: 'disk', readonly: false, bus: planned.bus, boot: planned.boot, ...(planned.serial && { serial: planned.serial }) };
    }
  });
}

/** The fw_cfg items' files in the boot folder. */
export function bootFwCfg(plan: BootPlan, dir: string): { name: string; file: string }[] {
  return (plan.firmware.fwCfg ?? []).map((f) => ({ name: f.name, file: join(dir, `fw_cfg-${f.name.replaceAll('/', '-')}`) }));
}

/** The flashes QEMU maps: the firmware's code and this boot's copy of the variable store. */
export function bootPflash(plan: BootPlan, dir: string): { code: string; vars: string } | undefined {
  const pflash = plan.firmware.pflash;
  return pflash && { code: pflash.code, vars: join(dir, 'efivars.fd') };
}

async function sizeOf(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

async function padTo(file: string, bytes: number): Promise<void> {
  if ((await sizeOf(file)) < bytes) await truncate(file, bytes);
}

/**
 * Creates the plan's private files and returns what QEMU gets: overlays over the user's files, new
 * data disks, the variable store copy (UEFI writes boot entries into it), and a padded code copy
 * where the firmware file is smaller than the machine's flash.
 */
export async function createBootFiles(plan: BootPlan, dir: string): Promise<BootFiles> {
  const drives = bootDrives(plan, dir);
  const fwCfg = bootFwCfg(plan, dir);
  for (const [i, f] of fwCfg.entries()) await writeFile(f.file, Buffer.from(plan.firmware.fwCfg![i]!.bytes));
  for (const [i, planned] of plan.drives.entries()) {
    const file = drives[i]!.file;
    if (planned.source === 'new') await qemuImg(['create', '-q', '-f', 'qcow2', file, String(planned.bytes)]);
    if (planned.source === 'overlay') {
      const backing = resolve(planned.backing);
      await qemuImg(['create', '-q', '-f', 'qcow2', '-b', backing, '-F', planned.backingFormat ?? (await formatOf(backing)), file]);
    }
  }
  const pflash = bootPflash(plan, dir);
  const padding = plan.firmware.pflash?.padTo;
  if (pflash) {
    await copyFile(plan.firmware.pflash!.vars, pflash.vars);
    if (padding !== undefined) {
      await padTo(pflash.vars, padding);
      if ((await sizeOf(pflash.code)) < padding) {
        const code = join(dir, 'efi-code.fd');
        await copyFile(pflash.code, code);
        await padTo(code, padding);
        pflash.code = code;
      }
    }
  }
  return { drives, fwCfg, ...(pflash && { pflash }) };
}

export interface BootFiles {
  drives: Drive[];
  fwCfg: { name: string; file: string }[];
  pflash?: { code: string; vars: string };
}
