import type { Arch } from '../model/types.js';

/** IMAGE_FILE_MACHINE_* values of the EFI binaries and stub kernels we boot. */
const PE_MACHINES: Readonly<Record<number, Arch>> = { 0x8664: 'x86_64', 0xaa64: 'arm64' };

/**
 * The architecture of a PE/COFF image (an EFI application, an EFI-stub kernel) from its first bytes:
 * "MZ", the PE header offset at 0x3c, "PE\0\0" there and the machine field after it. Undefined when
 * it is not PE or the machine is none of ours.
 */
export function peArch(head: Buffer): Arch | undefined {
  if (head.length < 0x40 || head.toString('latin1', 0, 2) !== 'MZ') return undefined;
  const pe = head.readUInt32LE(0x3c);
  if (pe + 6 > head.length || head.toString('latin1', pe, pe + 4) !== 'PE\0\0') return undefined;
  return PE_MACHINES[head.readUInt16LE(pe + 4)];
}
