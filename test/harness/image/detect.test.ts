import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bufferSource } from '../../../harness/image/byte-source.js';
import { detectDisk } from '../../../harness/image/detect-disk.js';
import { openImage } from '../../../harness/image/open-image.js';
import { UsageError } from '../../../harness/model/errors.js';
import { fat12, gptDisk, isoImage, mbrDisk, peHead, qcow2, vhdDynamic, vhdFixed, vmdkSparse } from '../../support/make-disk.js';

const X64 = 0x8664;
const AA64 = 0xaa64;
const esp = (machine: number, name = machine === X64 ? 'BOOTX64.EFI' : 'BOOTAA64.EFI') => fat12(['EFI', 'BOOT', name], peHead(machine));
const noExtents = () => Promise.reject(new Error('no extents here'));
const detect = (buf: Buffer) => detectDisk(bufferSource(buf), noExtents);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-detect-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function usage(name: string, data: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  const error = await openImage(path, '--image').then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('detectDisk', () => {
  it('reads an EFI ISO, a BIOS ISO and a hybrid one from the El Torito catalog', async () => {
    expect(await detect(isoImage({ efiImage: esp(X64) }))).toMatchObject({ format: 'iso', firmware: { bios: false, uefi: true }, arches: ['x86_64'] });
    expect(await detect(isoImage({ efiImage: esp(AA64) }))).toMatchObject({ format: 'iso', firmware: { bios: false, uefi: true }, arches: ['arm64'] });
    expect(await detect(isoImage({ bios: true }))).toMatchObject({ format: 'iso', firmware: { bios: true, uefi: false }, arches: ['x86_64'], detail: 'ISO 9660 "HARNESS", El Torito BIOS' });
    expect(await detect(isoImage({ bios: true, efiImage: esp(X64) }))).toMatchObject({ firmware: { bios: true, uefi: true }, detail: expect.stringContaining('BIOS+EFI') });
  });

  it('reads a GPT disk with an ESP, and an MBR disk with boot code or an ESP', async () => {
    expect(await detect(gptDisk(esp(AA64)))).toEqual({ format: 'raw', detail: 'GPT, ESP with BOOTAA64.EFI', firmware: { bios: false, uefi: true }, arches: ['arm64'] });
    expect(await detect(mbrDisk(0x83, Buffer.alloc(8192), true))).toMatchObject({ format: 'raw', firmware: { bios: true, uefi: false }, arches: ['x86_64'] });
    expect(await detect(mbrDisk(0xef, esp(X64)))).toMatchObject({ firmware: { bios: false, uefi: true }, arches: ['x86_64'] });
  });

  it('reads the PE machine, not the file name: an x86 binary named BOOTAA64.EFI is x86_64', async () => {
    expect((await detect(gptDisk(esp(X64, 'BOOTAA64.EFI')))).arches).toEqual(['x86_64']);
  });

  it('looks inside qcow2, fixed and dynamic VHD, and sparse VMDK', async () => {
    const raw = gptDisk(esp(X64));
    expect(await detect(qcow2(raw))).toMatchObject({ format: 'qcow2', detail: 'qcow2 v3, GPT, ESP with BOOTX64.EFI', arches: ['x86_64'] });
    expect(await detect(vhdFixed(raw))).toMatchObject({ format: 'vhd', detail: 'VHD fixed, GPT, ESP with BOOTX64.EFI' });
    expect(await detect(vhdDynamic(raw))).toMatchObject({ format: 'vhd', detail: 'VHD dynamic, GPT, ESP with BOOTX64.EFI' });
    expect(await detect(vmdkSparse(raw))).toMatchObject({ format: 'vmdk', detail: 'VMDK monolithicSparse, GPT, ESP with BOOTX64.EFI' });
    expect(await detect(vmdkSparse(isoImage({ efiImage: esp(AA64) })))).toMatchObject({ format: 'vmdk', arches: ['arm64'] });
  });

  it('follows a VMDK descriptor to its one flat extent', async () => {
    const raw = gptDisk(esp(X64));
    const descriptor = `# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW ${raw.length / 512} FLAT "d-flat.vmdk" 0\n`;
    const facts = await detectDisk(bufferSource(Buffer.from(descriptor)), async (name) => {
      expect(name).toBe('d-flat.vmdk');
      return bufferSource(raw);
    });
    expect(facts).toMatchObject({ format: 'vmdk', detail: 'VMDK monolithicFlat, GPT, ESP with BOOTX64.EFI' });
  });
});

describe('openImage on unknown or damaged files', () => {
  it('names the file and what was expected', async () => {
    expect(await usage('random.bin', Buffer.alloc(4096, 7))).toMatch(/^--image: image .*random.bin: neither an ISO 9660 image nor a disk with an MBR or GPT partition table; expected a LinuxKit prefix/);
    expect(await usage('tiny', 'x')).toMatch(/only 1 bytes/);
    expect(await usage('root.sqfs', Buffer.concat([Buffer.from('hsqs'), Buffer.alloc(4096)]))).toMatch(/a squashfs root file system: name it <prefix>-squashfs.img/);
  });

  it('calls truncated or inconsistent headers damage', async () => {
    const raw = gptDisk(esp(X64));
    const q = qcow2(raw);
    q.writeUInt32BE(40, 20); // cluster_bits
    expect(await usage('bad.qcow2', q)).toMatch(/damaged: qcow2 cluster_bits 40/);
    const iso = isoImage({ efiImage: esp(X64) });
    iso.writeUInt8(iso.readUInt8(19 * 2048 + 28) ^ 0xff, 19 * 2048 + 28); // catalog checksum
    expect(await usage('bad.iso', iso)).toMatch(/damaged: El Torito validation entry checksum/);
    const gpt = gptDisk(esp(X64));
    gpt.write('NOT PART', 512, 'latin1');
    expect(await usage('bad.img', gpt)).toMatch(/damaged: protective MBR, but no GPT header/);
    const vhd = vhdDynamic(raw);
    vhd.write('xxxxxxxx', 512, 'latin1');
    expect(await usage('bad.vhd', vhd)).toMatch(/damaged: VHD dynamic header/);
    const fat = fat12(['EFI', 'BOOT', 'BOOTX64.EFI'], Buffer.concat([peHead(X64), Buffer.alloc(3584)]));
    // FAT12 entry of the file's first cluster (4) points at cluster 0xff0, outside the volume.
    fat.writeUInt16LE((fat.readUInt16LE(512 + 6) & 0xf000) | 0xff0, 512 + 6);
    expect(await usage('chain.img', gptDisk(fat))).toMatch(/damaged: FAT cluster chain from 4 leaves the volume/);
  });

  it('refuses disks no firmware can boot and ISOs without a boot record', async () => {
    expect(await usage('data.img', gptDisk(Buffer.alloc(8192), false))).toMatch(/a GPT disk that no firmware can boot: it has no ESP and no MBR boot code/);
    const plain = isoImage({ bios: true });
    plain[17 * 2048] = 2; // the boot record becomes a supplementary descriptor
    expect(await usage('plain.iso', plain)).toMatch(/without an El Torito boot record/);
  });

  it('names the missing prefix files', async () => {
    expect(await usage('nothing', Buffer.alloc(0)).catch(() => '')).toBeTypeOf('string');
    const missing = await openImage(join(dir, 'disk.qcow2'), '--image').catch((e: Error) => e.message);
    expect(missing).toMatch(/image .*disk.qcow2: no such file, and .*disk.qcow2-kernel does not exist; expected a LinuxKit prefix/);
    await writeFile(join(dir, 'p-kernel'), 'k');
    expect(await openImage(join(dir, 'p'), '--image').catch((e: Error) => e.message)).toMatch(/exists but neither -initrd.img nor -squashfs.img or -erofs.img/);
    await writeFile(join(dir, 'p-squashfs.img'), 'hsqs');
    expect(await openImage(join(dir, 'p'), '--image')).toMatchObject({ kind: 'kernel', root: { fs: 'squashfs', path: join(dir, 'p-squashfs.img') } });
    expect(await openImage(join(dir, 'p-kernel'), '--image')).toMatchObject({ kind: 'kernel', name: 'p' });
  });
});
