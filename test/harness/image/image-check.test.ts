import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { concatInitrd, CpioBuilder, gzipInitrd } from '../../../harness/image/cpio.js';
import { EM_AARCH64, EM_S390, EM_X86_64 } from '../../../harness/image/elf.js';
import { fixtureImageFiles } from '../../../fixtures/paths.js';
import { checkImage, kernelArch } from '../../../harness/image/image-check.js';
import { UsageError } from '../../../harness/model/errors.js';
import { ARCHES } from '../../../harness/model/types.js';
import type { KernelImage as Image } from '../../../platforms/platform.js';
import { makeElf } from '../../support/make-elf.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-image-check-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, data: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

/** Bytes that compress poorly, so a kernel body is not inflated by accident in a few KB. */
const noise = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 2654435761) >>> 24));

function bzImage(xloadflags = 1): Buffer {
  const head = Buffer.alloc(0x1000);
  head.writeUInt16LE(0xaa55, 0x1fe);
  head.write('HdrS', 0x202, 'latin1');
  head.writeUInt16LE(0x020f, 0x206);
  head.writeUInt16LE(xloadflags, 0x236);
  return head;
}

function arm64Image(): Buffer {
  const head = Buffer.alloc(0x40);
  head.write('MZ', 0, 'latin1');
  head.write('ARMd', 0x38, 'latin1');
  return Buffer.concat([head, noise(64 * 1024)]);
}

function s390Image(): Buffer {
  const head = Buffer.alloc(0x10100, 0x40);
  head.writeUInt32BE(0x00080000, 0); // the IPL PSW
  head.write('S390EP', 0x10008, 'latin1');
  return head;
}

/** An arm64 EFI zboot image: "MZ", "zimg", and a PE header whose machine is 0xaa64. */
function zboot(): Buffer {
  const head = Buffer.alloc(0x100);
  head.write('MZ', 0, 'latin1');
  head.write('zimg', 4, 'latin1');
  head.writeUInt32LE(0x40, 0x3c);
  head.write('PE\0\0', 0x40, 'latin1');
  head.writeUInt16LE(0xaa64, 0x44);
  return head;
}

describe('kernelArch', () => {
  it.each([
    ['an x86 bzImage', bzImage(), 'x86_64'],
    ['a 32-bit x86 bzImage', bzImage(0), 'unknown'],
    ['an arm64 Image', arm64Image(), 'arm64'],
    ['a gzip-compressed arm64 Image', gzipSync(arm64Image()), 'arm64'],
    ['an arm64 EFI zboot image', zboot(), 'arm64'],
    ['an s390x image', s390Image(), 's390x'],
    ['an x86_64 vmlinux', makeElf({ machine: EM_X86_64, type: 2 }), 'x86_64'],
    ['an arm64 vmlinux', makeElf({ machine: EM_AARCH64, type: 2 }), 'arm64'],
    ['a big-endian s390x vmlinux', makeElf({ machine: EM_S390, endian: 'be', type: 2 }), 's390x'],
    ['an ELF file of another machine', makeElf({ machine: 40, cls: 32, type: 2 }), 'unknown'],
    ['random bytes', noise(0x20000), 'unknown'],
    ['gzip of random bytes', gzipSync(noise(0x20000)), 'unknown'],
  ] as const)('reads %s', async (_, data, arch) => {
    expect(await kernelArch(await file('kernel', data))).toBe(arch);
  });

  it('names a missing file', async () => {
    const path = join(dir, 'nope');
    await expect(kernelArch(path)).rejects.toEqual(new UsageError(path, 'does not exist'));
  });

  for (const arch of ARCHES) {
    const { kernel } = fixtureImageFiles(arch, 'harness');
    it.skipIf(!existsSync(kernel))(`reads the bundled ${arch} kernel`, async () => {
      expect(await kernelArch(kernel)).toBe(arch);
    });
  }
});

describe('checkImage', () => {
  async function image(kernel: Buffer, initrd: Buffer): Promise<Image> {
    return { kind: 'kernel', name: 'img', kernel: await file('img-kernel', kernel), initrd: await file('img-initrd.img', initrd), cmdline: '' };
  }
  const cpio = () => new CpioBuilder().file('init', '#!/bin/sh\n', 0o755).file('bin/busybox', noise(20_000)).toBuffer();

  async function problem(promise: Promise<void>): Promise<string> {
    const error = await promise.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).where).toBe('--image');
    return (error as UsageError).problem;
  }

  it('accepts gzip, raw, concatenated and xz initrds, and kernels of unknown layout', async () => {
    const gz = await gzipInitrd(cpio());
    for (const initrd of [gz, cpio(), concatInitrd([gz, cpio()]), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0])]) {
      await expect(checkImage(await image(bzImage(), initrd), 'x86_64', '--image')).resolves.toBeUndefined();
    }
    await expect(checkImage(await image(noise(4096), gz), 's390x', '--image')).resolves.toBeUndefined();
  });

  it('refuses a kernel of another architecture', async () => {
    const img = await image(arm64Image(), cpio());
    expect(await problem(checkImage(img, 'x86_64', '--image'))).toBe(`${img.kernel}: kernel is arm64, but the platform is x86_64`);
  });

  it('refuses a missing kernel and an empty initrd', async () => {
    const img = await image(bzImage(), Buffer.alloc(0));
    expect(await problem(checkImage(img, 'x86_64', '--image'))).toBe(`${img.initrd}: initrd is empty`);
    const missing = { ...img, kernel: join(dir, 'gone') };
    expect(await problem(checkImage(missing, 'x86_64', '--image'))).toBe(`${missing.kernel}: kernel does not exist`);
  });

  it('refuses an initrd of random bytes', async () => {
    const img = await image(bzImage(), Buffer.from('hello, world, not a cpio'));
    expect(await problem(checkImage(img, 'x86_64', '--image'))).toBe(`${img.initrd}: not an initrd (starts with 0x68656c6c6f2c2077)`);
  });

  it('refuses a truncated gzip initrd', async () => {
    const gz = await gzipInitrd(cpio());
    const img = await image(bzImage(), gz.subarray(0, gz.length - 64));
    expect(await problem(checkImage(img, 'x86_64', '--image'))).toBe(
      `${img.initrd}: gzip member at byte 0 is truncated or corrupt at byte ${gz.length - 64}: unexpected end of file`,
    );
    const noTrailer = await image(bzImage(), gz.subarray(0, gz.length - 4));
    expect(await problem(checkImage(noTrailer, 'x86_64', '--image'))).toMatch(/^.*: gzip member at byte 0 is truncated: its 8-byte trailer at byte \d+ runs past the end/);
  });
});
