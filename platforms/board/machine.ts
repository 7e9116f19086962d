import { join } from 'node:path';
import type { Reaper } from '../../harness/lifecycle/reaper.js';
import { BootError, InfraError } from '../../harness/model/errors.js';
import type { ConsoleLogin, KernelImage, Machine, MachineEnd, Power, StartOptions, Transfer } from '../platform.js';
import { BoardLineWatch } from './board-lines.js';
import type { BoardSpec } from './lab/schema.js';
import { boardConsole } from './serial/board-console.js';
import { openWithRetry, WireOpenError, type Clock, type Wire } from './serial/wire.js';
import { stageImages, unstage, type Staged } from './tftp-stage.js';
import { bootWithUBoot } from './uboot/uboot-boot.js';
import { boardBootargs } from './uboot/uboot-commands.js';

/** Where the bundled images' init and the agent keep things, as on QEMU. */
const GUEST_LAYOUT = { state: '/run/harness', payload: '/harness', containers: '/containers' } as const;
/** After `bye`, the time a board's kernel gets to halt before its power is cut. */
const HALT_GRACE_MS = 2000;
/** A UART that appears with the board's power (a USB adapter on the board, an emulated board's pty). */
const UART_APPEARS_MS = 20_000;
/**
 * Chunks through the agent over one UART: 3000 bytes make a 4016-byte line, just under a tty's
 * 4095-byte canonical limit, so each chunk's fixed cost in the agent (a few processes) is spread
 * over as many bytes as a line can carry.
 */
export const UART_TRANSFER: Transfer = { kind: 'agent', chunkBytes: 3000, window: 4 };

export interface BoardBootSpec {
  board: BoardSpec;
  power: Power;
  /** Power off before power on, to start from a known state (not for a board switched by hand). */
  offFirst: boolean;
  image: KernelImage;
  options: StartOptions;
  reaper: Reaper;
  login?: ConsoleLogin;
  clock: Clock;
  openWire(): Promise<Wire>;
  /** Resolves when another process took the board's lease (ours expired): the board is no longer ours. */
  leaseLost: Promise<string>;
  /** The firmware's version from its banner, to keep for the next probe's fingerprint. */
  onFirmware(version: string | undefined): void;
}

/**
 * Boots one board: images into the TFTP folder, power on with the UART open (or opened as soon as
 * it appears), U-Boot driven to the kernel, and a machine whose `exited` reports what only a board
 * shows: its UART going away, a baud mismatch, a reset or watchdog, the kernel powering down.
 * Everything it makes is registered with the reaper first; `end()` cuts the power.
 */
export async function bootBoard(spec: BoardBootSpec): Promise<Machine> {
  const { board, options, reaper, power, clock } = spec;
  let t0 = clock.now();
  const now = () => clock.now() - t0;
  let staged: Staged | undefined;
  let wire: Wire | undefined;
  const notes: string[] = [];
  let end: MachineEnd | undefined;
  let leaseGone = false;
  let resolveExited!: (end: MachineEnd) => void;
  const exited = new Promise<MachineEnd>((resolve) => (resolveExited = resolve));
  const finish = (how: Omit<MachineEnd, 'atMs'>) => {
    if (end) return;
    end = { ...how, atMs: now() };
    resolveExited(end);
  };
  const broken = exited.then((e): never => {
    throw e.failure ?? new BootError(e.detail, { machine: options.bootId });
  });
  broken.catch(() => undefined);

  let log: { close(): void } | undefined;
  let stopping: Promise<MachineEnd> | undefined;
  const stop = (reason: string, graceMs = 0): Promise<MachineEnd> => {
    stopping ??= (async () => {
      // A halting kernel gets a moment to sync and say its last words before the power goes.
      if (graceMs > 0) await Promise.race([exited, clock.sleep(graceMs)]);
      finish({ clean: true, detail: `ended: ${reason}` });
      if (!leaseGone) await power.off().catch((error: Error) => notes.push(error.message));
      await wire?.close();
      try {
        log?.close();
      } catch {
        // A console log that failed to write was reported when it failed.
      }
      if (staged) {
        await unstage(staged.paths);
        for (const path of staged.paths) reaper.guardian?.releasePath(path);
      }
      unregister();
      return end!;
    })();
    return stopping;
  };
  const unregister = reaper.add(`board ${board.name} ${options.bootId}`, async () => {
    await stop('reaped');
  });
  void spec.leaseLost.then((reason) => {
    // Its power is no longer ours to cut: another run holds the board now.
    leaseGone = true;
    finish({ clean: false, detail: reason, failure: new InfraError(`${board.name}: its lease was lost: ${reason}`, { machine: options.bootId }) });
  });

  try {
    const tftp = board.images === 'flash' ? undefined : board.images;
    const payloadInInitrd = tftp?.payload === 'initrd';
    if (tftp) {
      staged = await stageImages(tftp.tftp, board.name, options.bootId, spec.image, payloadInInitrd ? options.payload : [], GUEST_LAYOUT.payload);
      for (const path of staged.paths) reaper.guardian?.guardPath(path);
    }
    if (spec.offFirst) await power.off();
    t0 = clock.now();
    options.onPhase('powerOn', 0);

    let poweringOn: Promise<void> | undefined;
    try {
      wire = await spec.openWire();
    } catch (error) {
      if (!(error instanceof WireOpenError && error.retry)) throw error;
      poweringOn = power.on();
      poweringOn.catch(() => undefined);
      // A power driver that fails ends the wait for its UART at once; one that succeeds ends nothing.
      const powerFailed = poweringOn.then(() => new Promise<never>(() => undefined));
      wire = await Promise.race([openWithRetry(() => spec.openWire(), clock.now() + UART_APPEARS_MS, clock), powerFailed]);
    }
    const console = boardConsole(wire, {
      board: board.name,
      logPath: join(options.outDir, `${options.bootId}.console.log`),
      secrets: options.secrets,
      baud: board.serial.baud,
      linePauseMs: board.serial['line-pause'],
      clock,
      now,
      onBroken: (error) => finish({ clean: false, detail: error.message, failure: error }),
    });
    log = console.log;
    const lines = new BoardLineWatch(
      () => options.onPhase('firmware', now()),
      (e) => finish({ clean: e.kind === 'powerDown', detail: e.detail }),
    );
    console.log.onLine((line) => {
      const before = lines.firmwareVersion;
      lines.line(line);
      if (lines.firmwareVersion !== before) spec.onFirmware(lines.firmwareVersion);
    });
    void wire.ended.then((w) => {
      if (!w.byUs) finish({ clean: false, detail: w.reason, failure: new InfraError(`${board.name}: ${w.reason}`, { machine: options.bootId }) });
    });
    await (poweringOn ?? power.on());

    if (board.boot.method === 'u-boot') {
      if (!staged) throw new InfraError(`${board.name}: u-boot needs a TFTP folder`);
      await bootWithUBoot({
        board: board.name,
        console,
        spec: board.boot,
        bootargs: boardBootargs(spec.image.cmdline, board.console, board.serial.baud),
        names: { kernel: staged.kernel.name, initrd: staged.initrd.name, initrdBytes: staged.initrd.bytes },
        kernelBytes: staged.kernel.bytes,
        broken,
        now,
        onPhase: options.onPhase,
        onTransfer: options.onTransfer,
      });
    }

    return {
      id: options.bootId,
      now,
      console,
      power,
      agent: { kind: 'typed', login: spec.login },
      transfer: payloadInInitrd ? { kind: 'preloaded' } : UART_TRANSFER,
      layout: GUEST_LAYOUT,
      onBye: 'halt',
      endPhase: 'poweroff',
      exited,
      diagnostics: () => notes.join('\n'),
      end: (reason: string, graceMs = HALT_GRACE_MS) => stop(reason, graceMs),
    };
  } catch (error) {
    await stop('failed to start');
    throw error;
  }
}
