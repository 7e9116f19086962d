import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiskImage, KernelImage } from '../../../platforms/platform.js';
import { chooseFirmware, missingFirmware } from '../../../platforms/qemu/firmware.js';
import { PROFILES } from '../../../platforms/qemu/profiles.js';
import { usageMessage as bad } from '../../support/usage-error.js';

const kernel: KernelImage = { kind: 'kernel', name: 'k', kernel: '/k', initrd: '/i', cmdline: '' };
const disk = (firmware: DiskImage['firmware'], arches: DiskImage['arches'], format: DiskImage['format'] = 'raw'): DiskImage => ({
  kind: 'disk', name: 'd.img', path: '/d.img', format, detail: 'GPT', firmware, arches,
});

describe('chooseFirmware', () => {
  it('boots kernels with what QEMU loads by itself, or OVMF/AAVMF when asked', () => {
    expect(chooseFirmware(PROFILES.x86_64, kernel, 'auto').kind).toBe('seabios');
    expect(chooseFirmware(PROFILES.arm64, kernel, 'auto').kind).toBe('none');
    expect(chooseFirmware(PROFILES.s390x, kernel, 'auto').kind).toBe('s390-ccw');
    expect(chooseFirmware(PROFILES.x86_64, kernel, 'uefi').kind).toBe('ovmf');
    expect(chooseFirmware(PROFILES.arm64, kernel, 'uefi').kind).toBe('aavmf');
    expect(() => chooseFirmware(PROFILES.s390x, kernel, 'uefi')).toThrow(/s390x has no UEFI/);
    expect(() => chooseFirmware(PROFILES.arm64, kernel, 'bios')).toThrow(/only x86_64/);
  });

  it('picks UEFI for a disk with an EFI binary for the arch, BIOS otherwise', () => {
    expect(chooseFirmware(PROFILES.x86_64, disk({ bios: true, uefi: true }, ['x86_64'], 'iso'), 'auto').kind).toBe('ovmf');
    expect(chooseFirmware(PROFILES.x86_64, disk({ bios: true, uefi: true }, ['x86_64'], 'iso'), 'bios').kind).toBe('seabios');
    expect(chooseFirmware(PROFILES.x86_64, disk({ bios: true, uefi: false }, ['x86_64']), 'auto').kind).toBe('seabios');
    expect(chooseFirmware(PROFILES.arm64, disk({ bios: false, uefi: true }, ['arm64']), 'auto').pflash?.padTo).toBe(64 * 2 ** 20);
  });

  it('refuses what the image or the arch cannot do, naming the flag', () => {
    expect(bad(() => chooseFirmware(PROFILES.x86_64, disk({ bios: true, uefi: false }, ['x86_64']), 'uefi'))).toMatch(/^--firmware: uefi, but d.img has no EFI boot binary/);
    expect(bad(() => chooseFirmware(PROFILES.x86_64, disk({ bios: false, uefi: true }, ['x86_64']), 'bios'))).toMatch(/^--firmware: d.img cannot be booted by a BIOS/);
    expect(bad(() => chooseFirmware(PROFILES.arm64, disk({ bios: false, uefi: true }, ['x86_64']), 'auto'))).toMatch(/^--image: d.img is a raw image for x86_64 \(GPT\), but the platform is arm64/);
    expect(bad(() => chooseFirmware(PROFILES.s390x, disk({ bios: true, uefi: true }, ['x86_64']), 'auto'))).toMatch(/zipl/);
  });
});

describe('missingFirmware', () => {
  it('names each missing file with the Debian package that brings it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fw-'));
    const full = mkdtempSync(join(tmpdir(), 'fw-'));
    writeFileSync(join(full, 'bios-256k.bin'), '');
    const seabios = chooseFirmware(PROFILES.x86_64, kernel, 'auto');
    expect(missingFirmware(seabios, [empty])).toEqual(['bios-256k.bin (package seabios)']);
    expect(missingFirmware(seabios, [empty, full])).toEqual([]);
    expect(missingFirmware(chooseFirmware(PROFILES.s390x, kernel, 'auto'), [full])).toEqual(['s390-ccw.img (package qemu-system-data)']);
    expect(missingFirmware(chooseFirmware(PROFILES.arm64, kernel, 'auto'), [empty])).toEqual([]);
    const ovmf = { ...chooseFirmware(PROFILES.x86_64, kernel, 'uefi'), needs: [{ file: join(empty, 'OVMF_CODE_4M.fd'), package: 'ovmf' }] };
    expect(missingFirmware(ovmf)).toEqual([`${join(empty, 'OVMF_CODE_4M.fd')} (package ovmf)`]);
  });
});
