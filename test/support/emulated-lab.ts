/**
 * Lab files for the emulated board (test/support/emulated-board.ts), written per test with absolute
 * paths: one state folder per board under the fixture cache, and one TFTP folder QEMU serves.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { repoRoot } from '../../fixtures/paths.js';

export const BOARD_SCRIPT = join(repoRoot, 'test/support/emulated-board.ts');
/** tsx by its path: lab commands run in the lab file's folder, where `--import tsx` finds nothing. */
const TSX = import.meta.resolve('tsx');
const STATE_ROOT = join(repoRoot, '.cache', 'emulated-board');

export const boardDir = (name: string) => join(STATE_ROOT, name);
export const uartOf = (name: string) => join(boardDir(name), 'uart');

/** The power switch's argv for one action. */
export function boardPower(name: string, tftp: string, action: 'on' | 'off' | 'reset'): string[] {
  return [process.execPath, '--import', TSX, BOARD_SCRIPT, action, boardDir(name), ...(action === 'on' ? [tftp] : [])];
}

/** The same as one shell line, for pdudaemon's `localcmdline` driver, with `%s` for the PDU port. */
export function boardPowerShell(prefix: string, tftp: string, action: 'on' | 'off'): string {
  return [process.execPath, '--import', TSX, BOARD_SCRIPT, action, `${boardDir(prefix)}%s`, ...(action === 'on' ? [tftp] : [])].join(' ');
}

/** Switches a board off whatever state a test left it in: no QEMU outlives a test. */
export async function boardOff(name: string): Promise<void> {
  await execa(process.execPath, ['--import', 'tsx', BOARD_SCRIPT, 'off', boardDir(name)], { cwd: repoRoot, reject: false });
}

export interface LabBoard {
  name: string;
  serial?: Record<string, unknown>;
  power?: Record<string, unknown>;
  boot?: Record<string, unknown>;
  images?: Record<string, unknown> | 'flash';
  /** With the lab's TFTP folder: case files in the initrd (default), or through the agent over the UART. */
  payload?: 'initrd' | 'uart';
  labels?: string[];
}

export interface TestLab {
  file: string;
  dir: string;
  tftp: string;
  state: string;
}

/** A lab of emulated boards; every field a board leaves out is the checked-in test lab's. */
export function writeLab(boards: LabBoard[], extra: Record<string, unknown> = {}): TestLab {
  const dir = mkdtempSync(join(tmpdir(), 'harness-test-lab-'));
  const tftp = join(dir, 'tftp');
  const state = join(dir, 'state');
  mkdirSync(tftp);
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    stringify({
      state,
      ...extra,
      boards: boards.map((b) => ({
        name: b.name,
        arch: 'arm64',
        labels: b.labels ?? ['emulated'],
        console: 'ttyAMA0',
        serial: b.serial ?? { device: uartOf(b.name), baud: 115200 },
        power: b.power ?? { driver: 'command', on: boardPower(b.name, tftp, 'on'), off: boardPower(b.name, tftp, 'off') },
        boot: b.boot ?? { method: 'u-boot', network: { ipaddr: '10.0.2.15', serverip: '10.0.2.2' } },
        images: b.images ?? { tftp, payload: b.payload ?? 'initrd' },
      })),
    }),
  );
  return { file, dir, tftp, state };
}
