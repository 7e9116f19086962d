import { UsageError } from '../../../harness/model/errors.js';
import type { UBootSpec } from '../lab/schema.js';

/**
 * The kernel command line for a board: the image's, with the board's UART as the last `console=`,
 * which LinuxKit's init takes for /dev/console. Quoted for U-Boot's hush in single quotes.
 */
export function boardBootargs(cmdline: string, consoleDevice: string, baud: number): string {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const ours = (w: string) => w === `console=${consoleDevice}` || w.startsWith(`console=${consoleDevice},`);
  const line = [...words.filter((w) => !ours(w)), `console=${consoleDevice},${baud}`].join(' ');
  if (/['\n\r]/.test(line)) throw new UsageError('--image', `the kernel command line holds a quote or newline, which U-Boot's setenv cannot take: ${line}`);
  return line;
}

export interface StagedNames {
  kernel: string;
  initrd: string;
  initrdBytes: number;
}

export interface UBootStep {
  /** What the step does, for errors and transfer records. */
  what: string;
  command: string;
  /** A TFTP load: its bytes and speed are recorded. */
  load?: { bytes: number };
}

/** The checked commands, in order, that leave kernel and initrd in memory; `bootCommand` then starts it. */
export function ubootSteps(spec: UBootSpec, bootargs: string, names: StagedNames, kernelBytes: number): UBootStep[] {
  const network: UBootStep[] =
    spec.network === undefined
      ? []
      : spec.network === 'dhcp'
        ? [
            { what: 'network (no autoload)', command: 'setenv autoload no' },
            { what: 'DHCP', command: 'dhcp' },
          ]
        : [
            { what: 'ipaddr', command: `setenv ipaddr ${spec.network.ipaddr}` },
            { what: 'serverip', command: `setenv serverip ${spec.network.serverip}` },
            ...(spec.network.netmask ? [{ what: 'netmask', command: `setenv netmask ${spec.network.netmask}` }] : []),
          ];
  return [
    ...spec.before.map((command) => ({ what: command, command })),
    ...network,
    { what: 'bootargs', command: `setenv bootargs '${bootargs}'` },
    { what: 'kernel', command: `tftpboot ${spec['kernel-addr']} ${names.kernel}`, load: { bytes: kernelBytes } },
    { what: 'initrd', command: `tftpboot ${spec['ramdisk-addr']} ${names.initrd}`, load: { bytes: names.initrdBytes } },
  ];
}

/** booti/bootz/bootm with the addresses loaded, the initrd's size given exactly (not `$filesize`). */
export function bootCommand(spec: UBootSpec, initrdBytes: number): string {
  return `${spec.command} ${spec['kernel-addr']} ${spec['ramdisk-addr']}:0x${initrdBytes.toString(16)} ${spec.fdt}`;
}

/**
 * A step's command followed by an echo of its status. The marker is split by quotes, so U-Boot's
 * echo of the typed line never matches what the echo prints; the step number keeps an earlier
 * step's answer from matching a later one.
 */
export function checked(command: string, step: number): { line: string; answer: RegExp } {
  return { line: `${command}; echo harness-""ok-${step}-$?\n`, answer: new RegExp(`harness-ok-${step}-(\\d+)`) };
}
