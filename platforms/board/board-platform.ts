import { stat } from 'node:fs/promises';
import { Slots } from '../../harness/lifecycle/slots.js';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import { UsageError } from '../../harness/model/errors.js';
import type { Capabilities, ConsoleLogin, Image, KernelImage, Lease, LeaseOutcome, LeaseRequest, Platform } from '../platform.js';
import type { Lab } from './lab/load-lab.js';
import type { BoardSpec } from './lab/schema.js';
import { BoardLock } from './lease/board-lock.js';
import { afterSession, readHealth, writeHealth } from './lease/health.js';
import { bootBoard } from './machine.js';
import type { Operator } from './power/manual-power.js';
import { makePower } from './power/make-power.js';
import { openWire } from './serial/open-wire.js';
import { REAL_CLOCK } from './serial/wire.js';

export interface BoardPlatformOptions {
  lab: Lab;
  board: BoardSpec;
  reaper: Reaper;
  /** One session at a time in this process; the lease file keeps other processes out. */
  slot: Slots;
  /** A health check may lease a quarantined board; nothing else may. */
  healthCheck: boolean;
  env: Readonly<Record<string, string | undefined>>;
  operator: Operator;
}

function kernelOf(image: Image, name: string): KernelImage {
  if (image.kind !== 'kernel') throw new UsageError('--image', `${name} boots kernel images; "${image.name}" is a ${image.kind} image`);
  return image;
}

/** `board:<name>`: one board of the lab, leased by a file with a heartbeat, quarantined when it keeps failing. */
export function createBoardPlatform(options: BoardPlatformOptions): Platform {
  const { lab, board } = options;
  const name = `board:${board.name}`;
  const login = (): ConsoleLogin | undefined => {
    if (board.login === 'shell') return undefined;
    const env = board.login['password-env'];
    return { user: board.login.user, password: env === undefined ? undefined : options.env[env] };
  };
  return {
    name,
    kind: 'board',
    arch: board.arch,
    runs: 'kernel',
    async probe(): Promise<Capabilities> {
      const health = await readHealth(lab.stateDir, board.name);
      const unavailable = (reason: string): Capabilities => ({ available: false, reason, arch: board.arch, accel: 'hardware', notes: [] });
      if (health.quarantined && !options.healthCheck) {
        return unavailable(`${board.name} is quarantined since ${health.quarantined.since}: ${health.quarantined.reason} (run: harness lab health ${board.name} --lab ${lab.file})`);
      }
      if (board.login !== 'shell' && board.login['password-env'] && options.env[board.login['password-env']] === undefined) {
        return unavailable(`${board.name} logs in with the password in $${board.login['password-env']}, which is not set`);
      }
      if (board.images !== 'flash' && !(await stat(board.images.tftp).then((s) => s.isDirectory(), () => false))) {
        return unavailable(`${board.name}: the TFTP folder ${board.images.tftp} does not exist`);
      }
      return {
        available: true,
        arch: board.arch,
        accel: 'hardware',
        notes: [`${board.name} over ${'device' in board.serial ? board.serial.device : board.serial.tcp} at ${board.serial.baud} baud`],
        fingerprint: { board: board.name, arch: board.arch, firmware: health.uboot ?? 'unknown', baud: String(board.serial.baud) },
      };
    },
    async lease(request: LeaseRequest): Promise<Lease> {
      const giveBack = await options.slot.acquire(request.signal);
      let lock: BoardLock;
      let resolveLost!: (reason: string) => void;
      const lost = new Promise<string>((resolve) => (resolveLost = resolve));
      try {
        lock = await BoardLock.acquire({ stateDir: lab.stateDir, board: board.name, expiryMs: lab['lease-expiry'], heartbeatMs: lab.heartbeat, onLost: resolveLost }, request.signal);
      } catch (error) {
        giveBack();
        throw error;
      }
      const unregister = options.reaper.add(`lease of ${board.name}`, () => lock.release());
      let released = false;
      return {
        what: `board ${board.name}`,
        start: (image, startOptions) =>
          bootBoard({
            board,
            power: makePower(board.power, board.name, lab.dir, options.operator),
            offFirst: board.power.driver !== 'manual',
            image: kernelOf(image, name),
            options: startOptions,
            reaper: options.reaper,
            login: login(),
            clock: REAL_CLOCK,
            openWire: () => openWire(board.serial),
            leaseLost: lost,
            onFirmware: (version) => {
              if (version) void readHealth(lab.stateDir, board.name).then((h) => writeHealth(lab.stateDir, board.name, { ...h, uboot: version })).catch(() => undefined);
            },
          }),
        async release(outcome?: LeaseOutcome) {
          if (released) return;
          released = true;
          try {
            if (outcome) await writeHealth(lab.stateDir, board.name, afterSession(await readHealth(lab.stateDir, board.name), outcome, lab['quarantine-after'], new Date()));
          } catch {
            // The health file is advice; the lease must still go back.
          }
          await lock.release();
          unregister();
          giveBack();
        },
      };
    },
    secrets(): string[] {
      const password = login()?.password;
      return password ? [password] : [];
    },
  };
}
