import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { CpioBuilder, concatInitrd, gzipInitrd, readCpio } from '../../../harness/image/cpio.js';
import { fixtureImageFiles } from '../../../fixtures/paths.js';
import { UsageError } from '../../../harness/model/errors.js';
import { measureDisk, measureImage } from '../../../harness/image/image-size.js';
import type { KernelImage as Image } from '../../../platforms/platform.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harness-image-size-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pad4 = (n: number) => (4 - (n % 4)) % 4;
/** Bytes one newc entry takes: 110-byte header, name and NUL padded to 4, data padded to 4. */
const entry = (name: string, dataSize = 0) => 110 + name.length + 1 + pad4(111 + name.length) + dataSize + pad4(dataSize);
const TRAILER = entry('TRAILER!!!');

/** Sums `entry()` per component: [component, name, data size] rows. */
function expected(rows: [string, string, number?][], extra: Record<string, number> = {}): Record<string, number> {
  const out: Record<string, number> = { ...extra };
  for (const [component, name, size] of rows) out[component] = (out[component] ?? 0) + entry(name, size);
  return out;
}

async function image(initrd: Buffer, kernel: Buffer = Buffer.from('kernel'), cmdline = 'console=ttyS0'): Promise<Image> {
  const prefix = join(dir, 'img');
  await writeFile(`${prefix}-kernel`, kernel);
  await writeFile(`${prefix}-initrd.img`, initrd);
  return { kind: 'kernel', name: 'img', kernel: `${prefix}-kernel`, initrd: `${prefix}-initrd.img`, cmdline };
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const sum = (components: Record<string, number>) => Object.values(components).reduce((a, b) => a + b, 0);

describe('measureImage', () => {
  it('splits a gzip initrd into components that add up to its uncompressed size', async () => {
    const tree = new CpioBuilder()
      .file('init', '#!/bin/sh\n', 0o755)
      .file('etc/passwd', 'root:x:0:0\n')
      .file('bin/busybox', Buffer.alloc(1001, 1), 0o755)
      .symlink('bin/sh', 'busybox')
      .symlink('sbin/ls', '/bin/busybox')
      .file('usr/bin/crun', Buffer.alloc(3000, 2), 0o755)
      .file('usr/bin/containerd-shim-runc-v2', Buffer.alloc(5, 2), 0o755)
      .file('lib/ld-linux.so.2', Buffer.alloc(501, 3))
      .file('usr/lib/libc.so.6', Buffer.alloc(700, 4))
      .file('lib/modules/6.1.0/kernel/virtio.ko', Buffer.alloc(903, 5))
      .file('harness/cases/a/files/x', 'x')
      .file('containers/base/rootfs/bin/true', Buffer.alloc(10, 6))
      .file('var/log/empty', '')
      .charDevice('dev/console', 5, 1);
    const cpio = tree.toBuffer();
    const gz = await gzipInitrd(cpio);
    const { sizes } = await measureImage(await image(gz));

    expect(sizes.components).toEqual(
      expected(
        [
          ['init', 'init', 10],
          ['init', 'etc'],
          ['init', 'etc/passwd', 11],
          ['rest', 'bin'],
          ['busybox', 'bin/busybox', 1001],
          ['busybox', 'bin/sh', 7],
          ['rest', 'sbin'],
          ['busybox', 'sbin/ls', 12],
          ['rest', 'usr'],
          ['rest', 'usr/bin'],
          ['runtime', 'usr/bin/crun', 3000],
          ['runtime', 'usr/bin/containerd-shim-runc-v2', 5],
          ['runtime', 'lib'],
          ['runtime', 'lib/ld-linux.so.2', 501],
          ['runtime', 'usr/lib'],
          ['runtime', 'usr/lib/libc.so.6', 700],
          ['modules', 'lib/modules'],
          ['modules', 'lib/modules/6.1.0'],
          ['modules', 'lib/modules/6.1.0/kernel'],
          ['modules', 'lib/modules/6.1.0/kernel/virtio.ko', 903],
          ['agent', 'harness'],
          ['agent', 'harness/cases'],
          ['agent', 'harness/cases/a'],
          ['agent', 'harness/cases/a/files'],
          ['agent', 'harness/cases/a/files/x', 1],
          ['rest', 'containers'],
          ['containers/base', 'containers/base'],
          ['containers/base', 'containers/base/rootfs'],
          ['containers/base', 'containers/base/rootfs/bin'],
          ['containers/base', 'containers/base/rootfs/bin/true', 10],
          ['rest', 'var'],
          ['rest', 'var/log'],
          ['rest', 'var/log/empty'],
          ['rest', 'dev'],
          ['rest', 'dev/console'],
        ],
        { rest: TRAILER },
      ),
    );
    // `init`: 110 + "init\0" + 1 padding, then 10 bytes of data + 2 padding.
    expect(entry('init', 10)).toBe(128);
    expect(sizes.initrdUncompressed).toBe(cpio.length);
    expect(sum(sizes.components)).toBe(sizes.initrdUncompressed);
    expect(sizes).toMatchObject({ kernel: 6, initrd: gz.length, total: 6 + gz.length });
  });

  it('counts a gzip archive, the zero padding after it and an appended raw archive', async () => {
    const base = new CpioBuilder().file('init', 'x'.repeat(9), 0o755).toBuffer();
    const payload = new CpioBuilder().file('harness/cases/c/exec.sh', 'exit 0\n').toBuffer();
    const gz = await gzipInitrd(base);
    const initrd = concatInitrd([gz, payload]);
    const padding = initrd.length - gz.length - payload.length;
    expect(padding).toBeGreaterThan(0); // the case this test is about

    const { sizes } = await measureImage(await image(initrd));
    expect(sizes.components).toEqual(
      expected(
        [
          ['init', 'init', 9],
          ['agent', 'harness'],
          ['agent', 'harness/cases'],
          ['agent', 'harness/cases/c'],
          ['agent', 'harness/cases/c/exec.sh', 7],
        ],
        { rest: 2 * TRAILER + padding },
      ),
    );
    expect(sizes.initrdUncompressed).toBe(base.length + padding + payload.length);
    expect(sum(sizes.components)).toBe(sizes.initrdUncompressed);
  });

  it('names LinuxKit containers by onboot/services and their name', async () => {
    const cpio = new CpioBuilder()
      .file('containers/onboot/000-sysctl/config.json', '{}')
      .file('containers/services/getty/rootfs/bin/getty', Buffer.alloc(50))
      .toBuffer();
    const { sizes } = await measureImage(await image(cpio));
    expect(sizes.components).toEqual(
      expected(
        [
          ['rest', 'containers'],
          ['rest', 'containers/onboot'],
          ['containers/onboot/000-sysctl', 'containers/onboot/000-sysctl'],
          ['containers/onboot/000-sysctl', 'containers/onboot/000-sysctl/config.json', 2],
          ['rest', 'containers/services'],
          ['containers/services/getty', 'containers/services/getty'],
          ['containers/services/getty', 'containers/services/getty/rootfs'],
          ['containers/services/getty', 'containers/services/getty/rootfs/bin'],
          ['containers/services/getty', 'containers/services/getty/rootfs/bin/getty', 50],
        ],
        { rest: TRAILER },
      ),
    );
  });

  it("gives a file hard-linked into a container to the image's own copy", async () => {
    // newc stores the data once, under the group's last name: the container's for busybox, the
    // image's for crun (paths sort "bin" < "containers" < "usr").
    const cpio = new CpioBuilder()
      .file('bin/busybox', Buffer.alloc(2000, 7), 0o755)
      .hardlink('containers/base/rootfs/bin/busybox', 'bin/busybox')
      .file('usr/bin/crun', Buffer.alloc(300, 8), 0o755)
      .hardlink('containers/base/rootfs/usr/bin/crun', 'usr/bin/crun')
      .toBuffer();
    const { sizes } = await measureImage(await image(cpio));
    const rootfs = ['', '/bin', '/bin/busybox', '/usr', '/usr/bin', '/usr/bin/crun'].map((p) => `containers/base/rootfs${p}`);
    expect(sizes.components).toEqual(
      expected(
        [
          ['rest', 'bin'],
          ['busybox', 'bin/busybox', 2000],
          ['rest', 'containers'],
          ['containers/base', 'containers/base'],
          ...rootfs.map((name): [string, string] => ['containers/base', name]),
          ['rest', 'usr'],
          ['rest', 'usr/bin'],
          ['runtime', 'usr/bin/crun', 300],
        ],
        { rest: TRAILER },
      ),
    );
    expect(sum(sizes.components)).toBe(cpio.length);
  });

  it('digests kernel, initrd and cmdline, each prefixed with its length', async () => {
    const initrd = new CpioBuilder().file('init', 'x').toBuffer();
    const img = await image(initrd, Buffer.from('KERNEL'), 'quiet');
    const hash = createHash('sha256');
    for (const part of [Buffer.from('KERNEL'), initrd, Buffer.from('quiet')]) {
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(BigInt(part.length));
      hash.update(length).update(part);
    }
    const { identity } = await measureImage(img);
    expect(identity).toEqual({ imageDigest: hash.digest('hex') });
    expect((await measureImage({ ...img, cmdline: 'quiet ' })).identity.imageDigest).not.toBe(identity.imageDigest);
  });

  it('refuses compression it cannot read', async () => {
    const img = await image(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    const error = await usageError(measureImage(img));
    expect(error.where).toBe(img.initrd);
    expect(error.problem).toBe('initrd is xz-compressed; size breakdown supports gzip and uncompressed cpio');
  });

  it('reports a truncated gzip initrd with the byte offset', async () => {
    const gz = await gzipInitrd(new CpioBuilder().file('bin/busybox', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))).toBuffer());
    const cut = gz.subarray(0, gz.length - 100);
    const img = await image(cut);
    const error = await usageError(measureImage(img));
    expect(error.where).toBe(img.initrd);
    expect(error.problem).toBe(`corrupt initrd: gzip member at byte 0 is truncated or corrupt at byte ${cut.length}: unexpected end of file`);
  });

  it('reports a truncated cpio entry and junk inside a gzip member with their offsets', async () => {
    const cpio = new CpioBuilder().file('etc/hosts', 'x'.repeat(100)).toBuffer();
    const cutError = await usageError(measureImage(await image(cpio.subarray(0, entry('etc') + 150))));
    expect(cutError.problem).toBe(`corrupt initrd: cpio entry "etc/hosts" at byte ${entry('etc')} is truncated (the input ends in its body)`);

    const junk = await gzipInitrd(Buffer.concat([cpio.subarray(0, entry('etc')), Buffer.from('hello')]));
    const junkError = await usageError(measureImage(await image(junk)));
    expect(junkError.problem).toBe(
      `corrupt initrd: junk at byte ${entry('etc')} of the data inflated from the gzip member at byte 0: expected a cpio header or zero padding`,
    );
  });

  const fixture = fixtureImageFiles('x86_64', 'harness');
  it.skipIf(!existsSync(fixture.initrd) || !existsSync(fixture.kernel))('measures the bundled x86_64 harness image', async () => {
    const { sizes } = await measureImage({ kind: 'kernel', name: 'harness', kernel: fixture.kernel, initrd: fixture.initrd, cmdline: '' });
    const initrd = readFileSync(fixture.initrd);
    expect(Object.keys(sizes.components)).toEqual(expect.arrayContaining(['containers/base', 'runtime', 'modules', 'busybox', 'init']));
    expect(sum(sizes.components)).toBe(sizes.initrdUncompressed);
    // The bundled initrd is a single gzip member.
    expect(sizes.initrdUncompressed).toBe(gunzipSync(initrd).length);
    // The busybox binary is hard-linked into containers/base; its data still counts as busybox.
    const busybox = readCpio(initrd).filter((e) => e.name === 'bin/busybox' || e.name === 'containers/base/rootfs/bin/busybox');
    expect(sizes.components.busybox).toBeGreaterThanOrEqual(Math.max(...busybox.map((e) => e.size)));
  });
});

describe('measureDisk and root file system images', () => {
  it('weighs a disk image by its file and digests its bytes', async () => {
    const path = join(dir, 'd.qcow2');
    const bytes = Buffer.alloc(3000, 5);
    await writeFile(path, bytes);
    const { sizes, identity } = await measureDisk({ kind: 'disk', name: 'd.qcow2', path, format: 'qcow2', detail: '', firmware: { bios: false, uefi: true }, arches: ['x86_64'] });
    expect(sizes).toEqual({ kernel: 0, initrd: 0, initrdUncompressed: 0, total: 3000, components: {} });
    expect(identity.imageDigest).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('counts a kernel+squashfs root in the total and the digest, with or without an initrd', async () => {
    const root = join(dir, 'img-squashfs.img');
    await writeFile(root, Buffer.alloc(1000, 1));
    const withInitrd = await image(await gzipInitrd(new CpioBuilder().file('init', 'x').toBuffer()));
    const plain = await measureImage(withInitrd);
    const rooted = await measureImage({ ...withInitrd, root: { path: root, fs: 'squashfs' } });
    expect(rooted.sizes.total).toBe(plain.sizes.total + 1000);
    expect(rooted.identity.imageDigest).not.toBe(plain.identity.imageDigest);
    const { initrd: _dropped, ...noInitrd } = withInitrd;
    expect((await measureImage({ ...noInitrd, root: { path: root, fs: 'squashfs' } })).sizes).toMatchObject({ initrd: 0, initrdUncompressed: 0, total: 6 + 1000 });
  });
});
