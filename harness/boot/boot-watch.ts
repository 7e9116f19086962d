import { detectMarkers, printkTimestamp } from '../console/markers.js';
import { BootError, TimeoutError } from '../model/errors.js';
import type { GuestClockMark, PhaseName } from '../model/types.js';
import type { ByteStream, Console, Machine } from '../../platforms/platform.js';

const UNPACK_MARKS: ReadonlyArray<[GuestClockMark, RegExp]> = [
  ['unpackStart', /Trying to unpack rootfs image as initramfs/],
  ['unpackEnd', /Freeing initrd memory/],
];

type LineWaiter = { test: (line: string) => boolean; resolve: (atMs: number) => void };

const PROBE_INTERVAL_MS = 2000;
/** Quiet time after init starts before an image without our ready marker is probed for a shell. */
const PROBE_AFTER_INIT_MS = 3000;

/**
 * Watches one machine's console lines: stamps boot phases, notices the kernel dying, and lets the
 * session wait for a line. Platform-neutral: it only needs the console log's line events.
 */
export class BootWatch {
  readonly phases: Partial<Record<PhaseName, number>> = {};
  /** The guest's printk clock (ms) at the kernel and init markers: a second clock to check the host's against. */
  readonly guestClock: Partial<Record<GuestClockMark, number>> = {};
  /** `uname -r` as the kernel's banner gives it. */
  kernelVersion: string | undefined;
  private death: BootError | undefined;
  private readonly deathListeners = new Set<(error: BootError) => void>();
  private readonly waiters = new Set<LineWaiter>();

  constructor(
    /** The machine, or while it starts, what is known of it. */
    private readonly machine: Pick<Machine, 'id' | 'now' | 'exited'>,
    console: Console,
    private readonly onPhase: (phase: PhaseName, atMs: number) => void = () => {},
  ) {
    console.log.onLine((line, atMs) => this.line(line, atMs));
  }

  mark(phase: PhaseName, atMs: number): void {
    if (this.phases[phase] !== undefined) return;
    this.phases[phase] = atMs;
    this.onPhase(phase, atMs);
  }

  onDeath(listener: (error: BootError) => void): void {
    if (this.death) listener(this.death);
    else this.deathListeners.add(listener);
  }

  get failure(): BootError | undefined {
    return this.death;
  }

  /** Resolves with the time of the first later line that passes `test`. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = {
        test,
        resolve: (atMs) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(atMs);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`, { machine: this.machine.id }));
      }, timeoutMs);
      this.onDeath((error) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        reject(error);
      });
      void this.machine.exited.then((result) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        reject(this.death ?? result.failure ?? new BootError(`the guest stopped while waiting for ${what} (${result.detail})`, { machine: this.machine.id }));
      });
      this.waiters.add(waiter);
    });
  }

  /**
   * Waits until the image's shell can take commands: the bundled fixtures print a ready marker; any
   * other image is probed with an echo whose command text cannot match its own output.
   */
  async ready(console: ByteStream, timeoutMs: number): Promise<void> {
    if (this.phases.ready !== undefined) return;
    const probe = setInterval(() => {
      const init = this.phases.init;
      if (init !== undefined && this.machine.now() - init > PROBE_AFTER_INIT_MS) {
        void console.write('echo harness-""probe\n').catch(() => undefined);
      }
    }, PROBE_INTERVAL_MS);
    try {
      const atMs = await this.waitForLine(
        (line) => line.includes('harness-init: ready') || line.includes('harness-probe'),
        timeoutMs,
        'the ready marker or a shell prompt',
      ).catch((error: unknown) => {
        if (error instanceof TimeoutError) {
          throw new BootError(`no ready marker within ${timeoutMs} ms`, { machine: this.machine.id, phase: 'ready', cause: error });
        }
        throw error;
      });
      this.mark('ready', atMs);
    } finally {
      clearInterval(probe);
    }
  }

  private line(line: string, atMs: number): void {
    this.stampUnpack(line);
    for (const marker of detectMarkers(line)) {
      if (marker.kind === 'phase') {
        // A second kernel banner means the guest reset under us.
        if (marker.name === 'kernel' && this.phases.kernel !== undefined) this.die(`unexpected reset: ${line.trim()}`);
        else {
          this.mark(marker.name, atMs);
          this.stampGuestClock(marker.name, line);
        }
      } else {
        this.die(`${marker.name}: ${marker.text}`);
      }
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.test(line)) waiter.resolve(atMs);
    }
  }

  private stampGuestClock(phase: PhaseName, line: string): void {
    if (phase !== 'kernel' && phase !== 'init') return;
    const seconds = printkTimestamp(line);
    if (seconds !== undefined) this.guestClock[phase] ??= seconds * 1000;
    if (phase === 'kernel') this.kernelVersion ??= /Linux version (\S+)/.exec(line)?.[1];
  }

  private stampUnpack(line: string): void {
    const mark = UNPACK_MARKS.find(([, pattern]) => pattern.test(line))?.[0];
    if (mark === undefined) return;
    const seconds = printkTimestamp(line);
    if (seconds !== undefined) this.guestClock[mark] ??= seconds * 1000;
  }

  private die(reason: string): void {
    if (this.death) return;
    this.death = new BootError(`kernel ${reason}`, { machine: this.machine.id });
    for (const listener of this.deathListeners) listener(this.death);
    this.deathListeners.clear();
  }
}
