import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectMarkers, printkTimestamp, type Marker } from '../../../harness/console/markers.js';

/** Consoles recorded from QEMU 7.2 booting Debian's 6.1 kernels and firmware. */
function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`../../fixtures/console/${name}`, import.meta.url), 'utf8');
  return text.split('\n').map((line) => line.replace(/\r$/, ''));
}

/** Every marker of a console, with the index of its line. */
function markersOf(lines: string[]): Array<[number, Marker]> {
  return lines.flatMap((line, index) => detectMarkers(line).map((m): [number, Marker] => [index, m]));
}

describe('detectMarkers on recorded consoles', () => {
  it('finds SeaBIOS and the kernel banner behind the escape sequences that precede them (x86_64)', () => {
    const lines = fixtureLines('x86-seabios-boot.log');
    expect(lines[0]).toMatch(/^\x1bc\x1b\[\?7l/);
    expect(lines[2]).toMatch(/disable\)\.\.\. o\x1bc.*\[ {4}0\.000000\] Linux version/);
    expect(markersOf(lines)).toEqual([
      [0, { kind: 'phase', name: 'firmware' }],
      [2, { kind: 'phase', name: 'kernel' }],
    ]);
  });

  it('finds the panic and nothing else in a panic (x86_64)', () => {
    // The "Hardware name: ... BIOS 1.16.2" line of the dump must not read as firmware starting again.
    const text = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';
    expect(markersOf(fixtureLines('x86-panic.log'))).toEqual([[3, { kind: 'death', name: 'panic', text }]]);
  });

  it('finds the s390-ccw BIOS and the s390x kernel banner', () => {
    expect(markersOf(fixtureLines('s390x-firmware.log'))).toEqual([[0, { kind: 'phase', name: 'firmware' }]]);
    expect(markersOf(fixtureLines('s390x-kernel.log'))).toEqual([[1, { kind: 'phase', name: 'kernel' }]]);
  });

  it('finds the U-Boot banner (arm64)', () => {
    expect(markersOf(fixtureLines('arm64-uboot.log'))).toEqual([[2, { kind: 'phase', name: 'firmware' }]]);
  });

  const phases = (name: string) => markersOf(fixtureLines(name)).filter(([, m]) => m.kind === 'phase').map(([i, m]) => [i, m.kind === 'phase' && m.name]);

  it('finds OVMF\'s boot manager, then GRUB, then the kernel (x86_64 EFI ISO)', () => {
    expect(phases('x86-ovmf-grub.log')).toEqual([[0, 'firmware'], [1, 'firmware'], [2, 'bootloader'], [6, 'kernel']]);
  });

  it('finds AAVMF\'s banner, GRUB, the EFI stub and the kernel (arm64 EFI disk)', () => {
    expect(phases('arm64-aavmf-grub.log')).toEqual([[0, 'firmware'], [1, 'firmware'], [2, 'firmware'], [3, 'bootloader'], [5, 'bootloader'], [10, 'kernel']]);
  });

  it('finds SeaBIOS and a BIOS GRUB mirrored to the serial port (x86_64 BIOS ISO)', () => {
    expect(phases('x86-seabios-grub-iso.log')).toEqual([[0, 'firmware'], [2, 'bootloader'], [4, 'kernel']]);
  });
});

describe('detectMarkers on single lines', () => {
  it.each([
    ['[    1.602345] Run /init as init process', 'init'],
    ['[    1.602345] Run /sbin/init as init process', 'init'],
    ['[    1.590000] Freeing unused kernel image (initmem) memory: 2684K', 'init'],
    ['[    1.410000] Freeing unused kernel memory: 6080K', 'init'],
    ['harness-init: ready', 'ready'],
    ['U-Boot SPL 2023.01 (Jan 01 2023 - 00:00:00 +0000)', 'firmware'],
    // Recorded: SeaBIOS's serial mirror of a BIOS GRUB's screen, cursor moves inside the words.
    ['\x1b[0;30;47mWelcom\x1b[03;06H\x1b[03;07He to GRUB!', 'bootloader'],
    ['ISOLINUX 6.04 6.04-pre1  Copyright (C) 1994-2015 H. Peter Anvin et al', 'bootloader'],
    ['                             GNU GRUB  version 2.06', 'bootloader'],
  ])('%j is the %s phase', (line, name) => {
    expect(detectMarkers(line)).toEqual([{ kind: 'phase', name }]);
  });

  // The printk timestamp is not part of `text`; trailing blanks are not either.
  it.each([
    ['softlockup', 'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:123]'],
    ['hungtask', 'INFO: task kworker/0:1:12 blocked for more than 120 seconds.'],
    ['oops', 'Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP'],
    ['oops', 'Oops: 0002 [#1] PREEMPT SMP NOPTI'],
    ['bug', 'BUG: kernel NULL pointer dereference, address: 0000000000000000'],
    ['bug', 'BUG: unable to handle page fault for address: ffffa0c0'],
    ['bug', 'kernel BUG at mm/slub.c:4321!'],
  ])('finds exactly one %s death in %j', (name, text) => {
    expect(detectMarkers(`[   52.123456] ${text}  `)).toEqual([{ kind: 'death', name, text }]);
  });

  it.each([
    '[    1.602345] ---[ end Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) ]---',
    '[    0.878596] PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug',
    '[    1.200000] Freeing initrd memory: 1024K',
    'ok 1 - the kernel version is 6.1',
    '',
  ])('%j is no marker', (line) => {
    expect(detectMarkers(line)).toEqual([]);
  });
});

describe('printkTimestamp', () => {
  it.each([
    ['[    1.234567] virtio_blk virtio1: [vda] 2048 512-byte logical blocks', 1.234567],
    ['[12345.000001] late', 12345.000001],
    ['[    0.500000][    T1] with CONFIG_PRINTK_CALLER', 0.5],
    ['Probing EDD... o\x1bc\x1b[?7l\x1b[2J[    0.000000] Linux version 6.1.0', 0],
  ])('reads %j as %d seconds', (line, seconds) => {
    expect(printkTimestamp(line)).toBe(seconds);
  });

  it.each(['no timestamp', '[1.5] not printk', '[    1.2345678] seven digits', '[ abc.123456] '])(
    'finds none in %j',
    (line) => expect(printkTimestamp(line)).toBeUndefined(),
  );
});
