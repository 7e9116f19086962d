import type { PhaseName } from '../model/types.js';

export type PhaseMarkerName = Extract<PhaseName, 'firmware' | 'bootloader' | 'kernel' | 'init' | 'ready'>;
export type DeathMarkerName = 'panic' | 'oops' | 'bug' | 'softlockup' | 'hungtask';

export type Marker =
  | { kind: 'phase'; name: PhaseMarkerName }
  /** `text` runs from the pattern to the end of the line, so it carries the kernel's reason. */
  | { kind: 'death'; name: DeathMarkerName; text: string };

/**
 * None is anchored: firmware escape sequences (SeaBIOS clears the screen right before the kernel's
 * first line) and printk timestamps precede them on the same line.
 */
const PHASE_PATTERNS: ReadonlyArray<readonly [PhaseMarkerName, RegExp]> = [
  // SeaBIOS on x86, U-Boot (and its SPL) on boards and arm64, the s390-ccw BIOS on s390x; AAVMF
  // prints its banner, a release OVMF nothing before its boot manager picks a device.
  ['firmware', /SeaBIOS \(version |U-Boot (?:SPL )?20\d\d\.|LOADPARM=\[|s390-ccw |UEFI firmware \(version |BdsDxe: (?:loading|starting) Boot/],
  // GRUB's core, syslinux and isolinux, systemd-boot; the kernel's EFI stub when nothing came before it.
  ['bootloader', /Welcome to GRUB!|GNU GRUB {1,2}version |(?:ISO|SYS|EXT|PXE)LINUX \d|systemd-boot \d|EFI stub: Booting Linux Kernel/],
  ['kernel', /Linux version \d/],
  // x86 says "Freeing unused kernel image (initmem) memory", other arches "kernel memory".
  ['init', /Run \S+ as init process|Freeing unused kernel (?:image \([^)]*\) )?memory/],
  ['ready', /harness-init: ready/],
];

/**
 * Most specific first: a line yields at most one death marker, so a soft lockup ("watchdog: BUG:
 * soft lockup") is not also reported as a BUG.
 */
const DEATH_PATTERNS: ReadonlyArray<readonly [DeathMarkerName, RegExp]> = [
  ['softlockup', /watchdog: BUG: soft lockup.*/],
  ['hungtask', /INFO: task .* blocked for more than.*/],
  // Not the "---[ end Kernel panic - not syncing ... ]---" trailer that closes the same panic.
  ['panic', /(?<!end )Kernel panic - not syncing.*/],
  ['oops', /(?:Internal error: )?\bOops: .*/],
  ['bug', /\bBUG: .*|kernel BUG at .*/],
];

/**
 * Terminal control sequences (CSI, and ESC c): SeaBIOS mirroring its screen to the serial port puts
 * cursor moves inside the text it flushes ("Welcom\x1b[03;06H\x1b[03;07He to GRUB!").
 */
const CONTROL = /\x1b\[[0-9;?=]*[A-Za-z]|\x1b[c78]/g;

/**
 * Classifies one console line. Reset loops (a second kernel banner, firmware after the kernel) are
 * the caller's to judge: only it knows what came before.
 */
export function detectMarkers(raw: string): Marker[] {
  const line = raw.replace(CONTROL, '');
  const markers: Marker[] = [];
  for (const [name, pattern] of PHASE_PATTERNS) {
    if (pattern.test(line)) markers.push({ kind: 'phase', name });
  }
  for (const [name, pattern] of DEATH_PATTERNS) {
    const match = pattern.exec(line);
    if (match) {
      markers.push({ kind: 'death', name, text: match[0].trimEnd() });
      break;
    }
  }
  return markers;
}

// printk prints `[%5lu.%06lu]`; CONFIG_PRINTK_CALLER appends `[    T1]`, which needs no match.
const PRINTK_TIME = /\[ *(\d+\.\d{6})\]/;

/**
 * The guest's own clock (printk.time=1), in seconds since its boot. Searched anywhere in the line
 * for the same reason as the markers.
 */
export function printkTimestamp(line: string): number | undefined {
  const match = PRINTK_TIME.exec(line);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
