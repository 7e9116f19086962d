import { describe, expect, it } from 'vitest';
import { labFileSchema } from '../../../platforms/board/lab/schema.js';
import { boardBootargs, bootCommand, checked, ubootSteps } from '../../../platforms/board/uboot/uboot-commands.js';

const uboot = (extra: Record<string, unknown> = {}) => {
  const lab = labFileSchema.parse({
    boards: [{ name: 'b', arch: 'arm64', console: 'ttyAMA0', serial: { device: '/dev/x' }, power: { driver: 'manual' }, boot: { method: 'u-boot', ...extra }, images: { tftp: '/srv' } }],
  });
  const boot = lab.boards[0]!.boot;
  if (boot.method !== 'u-boot') throw new Error('not u-boot');
  return boot;
};

describe('U-Boot commands', () => {
  it("puts the board's console last, at its baud rate, replacing the image's own for that device", () => {
    expect(boardBootargs('console=ttyAMA0 panic=-1 console=tty0', 'ttyAMA0', 115200)).toBe('panic=-1 console=tty0 console=ttyAMA0,115200');
    expect(() => boardBootargs("init='x'", 'ttyS0', 9600)).toThrow(/quote or newline/);
  });

  it('loads kernel and initrd after the network and bootargs, each a checked step', () => {
    const steps = ubootSteps(uboot({ network: { ipaddr: '10.0.2.15', serverip: '10.0.2.2' }, before: ['pci enum'] }), 'a b', { kernel: 'k', initrd: 'i', initrdBytes: 10 }, 20);
    expect(steps.map((s) => s.command)).toEqual([
      'pci enum',
      'setenv ipaddr 10.0.2.15',
      'setenv serverip 10.0.2.2',
      "setenv bootargs 'a b'",
      'tftpboot ${kernel_addr_r} k',
      'tftpboot ${ramdisk_addr_r} i',
    ]);
    expect(steps.filter((s) => s.load).map((s) => [s.what, s.load!.bytes])).toEqual([['kernel', 20], ['initrd', 10]]);
    expect(ubootSteps(uboot({ network: 'dhcp' }), 'a', { kernel: 'k', initrd: 'i', initrdBytes: 1 }, 1).slice(0, 2).map((s) => s.command)).toEqual(['setenv autoload no', 'dhcp']);
  });

  it('boots with the exact initrd size and the control FDT by default', () => {
    expect(bootCommand(uboot(), 0x39a918)).toBe('booti ${kernel_addr_r} ${ramdisk_addr_r}:0x39a918 ${fdtcontroladdr}');
    expect(bootCommand(uboot({ command: 'bootz', fdt: '${fdt_addr}' }), 16)).toBe('bootz ${kernel_addr_r} ${ramdisk_addr_r}:0x10 ${fdt_addr}');
  });

  it("checks a step with a marker its own echo cannot match", () => {
    const { line, answer } = checked('tftpboot ${kernel_addr_r} k', 4);
    expect(line).toBe('tftpboot ${kernel_addr_r} k; echo harness-""ok-4-$?\n');
    expect(answer.test(line)).toBe(false);
    expect(answer.exec('harness-ok-4-1')?.[1]).toBe('1');
    expect(answer.test('harness-ok-3-0')).toBe(false);
  });
});
