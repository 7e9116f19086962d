import { detectMarkers } from '../../harness/console/markers.js';

/** What a board's console line tells beyond the core's markers: the board's own ways of ending. */
export type BoardLine =
  | { kind: 'firmware'; version?: string }
  | { kind: 'kernel' }
  | { kind: 'watchdog'; text: string }
  | { kind: 'powerDown' };

/** The firmware hands over ("Starting kernel ..."), or the kernel prints its banner. */
const KERNEL_START = /Starting kernel \.\.\./;
const WATCHDOG = [/\bwatchdog\b.*\b(?:reset|expired|timed? ?out)\b.*/i, /Reset cause:.*\b(?:WDOG|WDT|watchdog)\b.*/i, /softdog: Initiating system reboot.*/];
/** The kernel's last words after `poweroff`: a board halts here, and may or may not cut its power. */
const POWER_DOWN = /reboot: (?:Power down|System halted)/;
const UBOOT_VERSION = /U-Boot (20\d\d\.\d\d\S*)/;

/** Classifies one console line; pure, so recorded consoles can be replayed in tests. */
export function classifyBoardLine(line: string): BoardLine | undefined {
  const watchdog = WATCHDOG.map((p) => p.exec(line)).find((m) => m);
  if (watchdog) return { kind: 'watchdog', text: watchdog[0].trim() };
  if (POWER_DOWN.test(line)) return { kind: 'powerDown' };
  if (KERNEL_START.test(line)) return { kind: 'kernel' };
  for (const marker of detectMarkers(line)) {
    if (marker.kind === 'phase' && marker.name === 'kernel') return { kind: 'kernel' };
    if (marker.kind === 'phase' && marker.name === 'firmware') return { kind: 'firmware', version: UBOOT_VERSION.exec(line)?.[1] };
  }
  return undefined;
}

export type BoardEnd = { kind: 'reset' | 'watchdog' | 'powerDown'; detail: string };

/**
 * Follows one boot: firmware, then the kernel. Firmware again after the kernel started is an
 * unexpected reset (a second kernel banner the core notices itself); a watchdog message at any time
 * means the board was reset under us.
 */
export class BoardLineWatch {
  private kernelStarted = false;
  firmwareVersion: string | undefined;

  constructor(
    private readonly onFirmware: () => void,
    private readonly onEnd: (end: BoardEnd) => void,
  ) {}

  line(text: string): void {
    const seen = classifyBoardLine(text);
    if (!seen) return;
    switch (seen.kind) {
      case 'firmware':
        if (this.kernelStarted) return this.onEnd({ kind: 'reset', detail: `the board reset: its firmware started again after the kernel (${text.trim().slice(0, 120)})` });
        this.firmwareVersion ??= seen.version;
        return this.onFirmware();
      case 'kernel':
        this.kernelStarted = true;
        return;
      case 'watchdog':
        return this.onEnd({ kind: 'watchdog', detail: `the board was reset by its watchdog: ${seen.text.slice(0, 160)}` });
      case 'powerDown':
        return this.onEnd({ kind: 'powerDown', detail: 'the board powered down' });
    }
  }
}
