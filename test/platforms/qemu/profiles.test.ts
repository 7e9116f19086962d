import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingFirmware } from '../../../platforms/qemu/firmware.js';
import { PROFILES, qemuArgv, withConsole } from '../../../platforms/qemu/profiles.js';

describe('qemuArgv', () => {
  it.each(Object.values(PROFILES))('builds the $arch argv as one list', (profile) => {
    const argv = qemuArgv(profile, {
      accel: 'tcg',
      kernel: '/k',
      initrd: '/i',
      cmdline: `console=${profile.console} panic=-1`,
      memoryMiB: 512,
      smp: 1,
      channelSocket: '/run/x/agent.sock',
    });
    expect(argv).toMatchSnapshot();
    expect(argv).toContain('-no-reboot');
    expect(argv.join(' ')).toContain(`virtio-serial-${profile.virtio}`);
  });

  it('omits the channel and initrd when not given', () => {
    const argv = qemuArgv(PROFILES.x86_64, { accel: 'kvm', kernel: '/k', cmdline: 'x', memoryMiB: 256, smp: 2 });
    expect(argv).not.toContain('-initrd');
    expect(argv.join(' ')).not.toContain('virtserialport');
    expect(argv.slice(argv.indexOf('-accel'), argv.indexOf('-accel') + 2)).toEqual(['-accel', 'kvm']);
  });

  it('keeps a cmdline with spaces and quotes as one argument', () => {
    const cmdline = `console=ttyS0 x="a b" $(reboot)`;
    const argv = qemuArgv(PROFILES.x86_64, { accel: 'tcg', kernel: '/k', cmdline, memoryMiB: 256, smp: 1 });
    expect(argv[argv.indexOf('-append') + 1]).toBe(cmdline);
  });
});

describe('withConsole', () => {
  it('adds the arch console last so it becomes /dev/console', () => {
    expect(withConsole(PROFILES.arm64, 'console=tty0 quiet')).toBe('console=tty0 quiet console=ttyAMA0');
  });
  it('moves an existing console to the end and keeps its options', () => {
    expect(withConsole(PROFILES.x86_64, 'console=ttyS0,115200 console=tty0 panic=-1')).toBe('console=tty0 panic=-1 console=ttyS0,115200');
  });
  it('leaves a cmdline already ending in the console alone', () => {
    expect(withConsole(PROFILES.s390x, 'panic=-1 console=ttysclp0')).toBe('panic=-1 console=ttysclp0');
  });
});

describe('missingFirmware', () => {
  it('names the firmware a machine needs that no data folder holds', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fw-'));
    const full = mkdtempSync(join(tmpdir(), 'fw-'));
    writeFileSync(join(full, 'bios-256k.bin'), '');
    expect(missingFirmware(PROFILES.x86_64, [empty])).toEqual(['bios-256k.bin']);
    expect(missingFirmware(PROFILES.x86_64, [empty, full])).toEqual([]);
    expect(missingFirmware(PROFILES.s390x, [full])).toEqual(['s390-ccw.img']);
    expect(missingFirmware(PROFILES.arm64, [empty])).toEqual([]);
  });
});

describe('defaultQemuSlots', () => {
  it('is one guest per core at most, and no more than free memory holds, and at least one', async () => {
    const { defaultQemuSlots } = await import('../../../platforms/qemu/index.js');
    expect(defaultQemuSlots(2, 20 * 2 ** 30)).toBe(2);
    expect(defaultQemuSlots(16, 3 * 2 ** 30)).toBe(4);
    expect(defaultQemuSlots(4, 2 ** 29)).toBe(1);
  });
});
