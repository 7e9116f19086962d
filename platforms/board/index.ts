import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Slots } from '../../harness/lifecycle/slots.js';
import { UsageError } from '../../harness/model/errors.js';
import type { Platform, PlatformContext, PlatformFactory } from '../platform.js';
import { createBoardPlatform } from './board-platform.js';
import { labInventory } from './inventory.js';
import { loadLab, type Lab } from './lab/load-lab.js';
import type { BoardSpec } from './lab/schema.js';
import { expiry, type LeaseRecord } from './lease/board-lock.js';
import type { Operator } from './power/manual-power.js';

function labOf(options: Readonly<Record<string, unknown>>, cacheDir: string): Lab {
  const file = options['lab'];
  if (typeof file !== 'string' || !file) throw new UsageError('--lab', 'board platforms need a lab file: --lab lab.yaml');
  return loadLab(file, cacheDir);
}

/** `--board-label a,!b`: a board must have every plain label and none of the `!` ones. */
export function matchesLabels(board: BoardSpec, wanted: string[]): boolean {
  return wanted.every((label) => (label.startsWith('!') ? !board.labels.includes(label.slice(1)) : board.labels.includes(label)));
}

/**
 * Synchronous, as the registry makes platforms synchronously: free is "not quarantined and no live
 * lease", read from the state files as they are now.
 */
function freeNow(lab: Lab, board: string): boolean {
  const read = <T>(file: string): Partial<T> | undefined => {
    try {
      return JSON.parse(readFileSync(join(lab.stateDir, file), 'utf8')) as Partial<T>;
    } catch {
      return undefined;
    }
  };
  if (read<{ quarantined: unknown }>(`${board}.health.json`)?.quarantined) return false;
  const lease = read<LeaseRecord>(`${board}.lease`);
  return !lease || expiry(lease as LeaseRecord, Date.now(), lab['lease-expiry']) !== undefined;
}

const terminalOperator: Operator = {
  present: process.stdin.isTTY === true && !process.env.CI,
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

/** `board:<name>` for one board of the lab, `board` for every free board matching `--board-label`. */
export const boardFactory: PlatformFactory = {
  kind: 'board',
  forms: ['board', 'board:<name>'],
  options: [
    { flags: '--lab <file>', description: 'boards: the lab file (lab.yaml) naming the boards, their UARTs, power and boot' },
    { flags: '--board-label <labels>', description: 'boards: with --platform board, only boards with these labels (comma-separated; !label excludes)' },
  ],
  create(name: string, context: PlatformContext): Platform[] | undefined {
    if (name !== 'board' && !name.startsWith('board:')) return undefined;
    const lab = labOf(context.options, context.cacheDir);
    const healthCheck = context.options['healthCheck'] === true;
    const make = (board: BoardSpec) =>
      createBoardPlatform({ lab, board, reaper: context.reaper, slot: context.shared(`board-slot:${lab.file}:${board.name}`, () => new Slots(1)), healthCheck, env: process.env, operator: terminalOperator });
    if (name.startsWith('board:')) {
      const board = lab.boards.find((b) => b.name === name.slice('board:'.length));
      if (!board) throw new UsageError('--platform', `no board "${name.slice(6)}" in ${lab.file}; it has ${lab.boards.map((b) => b.name).join(', ')}`);
      return [make(board)];
    }
    const raw = context.options['boardLabel'];
    const wanted = typeof raw === 'string' ? raw.split(',').map((l) => l.trim()).filter(Boolean) : [];
    const boards = lab.boards.filter((b) => matchesLabels(b, wanted) && freeNow(lab, b.name));
    if (!boards.length) throw new UsageError('--platform', `no free board in ${lab.file}${wanted.length ? ` with labels ${wanted.join(',')}` : ''} (harness lab status --lab ${lab.file} shows why)`);
    return boards.map(make);
  },
  inventory: async (options, cacheDir) => labInventory(labOf(options, cacheDir)),
};
