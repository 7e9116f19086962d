import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CpioBuilder,
  concatInitrd,
  gzipInitrd,
  normalizeCpioPath,
  readCpio,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  writeCpio,
} from '../../../harness/image/cpio.js';
import { findOnPath } from '../../../fixtures/host-tools.js';

function sample(order: 'a' | 'b' = 'a'): CpioBuilder {
  const t = new CpioBuilder();
  const steps: (() => void)[] = [
    () => t.file('init', '#!/bin/sh\necho hi\n', 0o755),
    () => t.file('bin/busybox', Buffer.from([1, 2, 3, 4, 5]), 0o755),
    () => t.symlink('bin/sh', 'busybox'),
    () => t.charDevice('dev/console', 5, 1, 0o600),
    () => t.dir('tmp', 0o1777),
    () => t.hardlink('rootfs/bin/busybox', 'bin/busybox'),
    () => t.file('etc/passwd', 'root:x:0:0:root:/:/bin/sh\n'),
  ];
  (order === 'a' ? steps : [...steps].reverse()).forEach((s) => s());
  return t;
}

describe('cpio newc writer and reader', () => {
  it('round-trips names, types, modes, sizes, links and devices', () => {
    const entries = readCpio(sample().toBuffer(), { withData: true });
    const byName = new Map(entries.map((e) => [e.name, e]));
    // Sorted, parents before children, parents created implicitly.
    expect(entries.map((e) => e.name)).toEqual([
      'bin',
      'bin/busybox',
      'bin/sh',
      'dev',
      'dev/console',
      'etc',
      'etc/passwd',
      'init',
      'rootfs',
      'rootfs/bin',
      'rootfs/bin/busybox',
      'tmp',
    ]);
    expect(byName.get('init')).toMatchObject({ type: 'file', mode: S_IFREG | 0o755, size: 18 });
    expect(byName.get('init')!.data.toString()).toBe('#!/bin/sh\necho hi\n');
    expect(byName.get('bin')).toMatchObject({ type: 'dir', mode: S_IFDIR | 0o755, nlink: 2 });
    expect(byName.get('tmp')).toMatchObject({ type: 'dir', mode: S_IFDIR | 0o1777 });
    expect(byName.get('bin/sh')).toMatchObject({ type: 'symlink', mode: S_IFLNK | 0o777, target: 'busybox', size: 7 });
    expect(byName.get('dev/console')).toMatchObject({ type: 'char', mode: S_IFCHR | 0o600, size: 0, rdevmajor: 5, rdevminor: 1 });
    for (const e of entries) expect(e).toMatchObject({ uid: 0, gid: 0, mtime: 0 });
    // Inode numbers are sequential in archive order.
    const inos = entries.filter((e) => e.name !== 'rootfs/bin/busybox').map((e) => e.ino);
    expect(inos).toEqual([...inos].sort((a, b) => a - b));
    expect(new Set(inos).size).toBe(inos.length);
  });

  it('stores a hard-link group once, with the data on the last name', () => {
    const entries = readCpio(sample().toBuffer(), { withData: true });
    const first = entries.find((e) => e.name === 'bin/busybox')!;
    const last = entries.find((e) => e.name === 'rootfs/bin/busybox')!;
    expect(first.ino).toBe(last.ino);
    expect(first.nlink).toBe(2);
    expect(last.nlink).toBe(2);
    expect(first.size).toBe(0);
    expect(last.size).toBe(5);
    expect([...last.data]).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives byte-identical archives for the same entries added in any order', async () => {
    const a = sample('a').toBuffer();
    const b = sample('b').toBuffer();
    expect(a.equals(b)).toBe(true);
    const [ga, gb] = [await gzipInitrd(a), await gzipInitrd(b)];
    expect(ga.equals(gb)).toBe(true);
    // gzip header: no name, mtime 0.
    expect(ga[3]).toBe(0);
    expect(ga.readUInt32LE(4)).toBe(0);
    expect(gunzipSync(ga).equals(a)).toBe(true);
  });

  it('pads every header and body to 4 bytes and ends with TRAILER!!!', () => {
    const buf = sample().toBuffer();
    expect(buf.length % 4).toBe(0);
    const entries = readCpio(buf);
    for (const e of entries) {
      expect(e.offset % 4).toBe(0);
      expect(buf.toString('latin1', e.offset, e.offset + 6)).toBe('070701');
      // namesize counts the NUL; check field 11 against the name.
      const namesize = parseInt(buf.toString('latin1', e.offset + 6 + 11 * 8, e.offset + 14 + 11 * 8), 16);
      expect(namesize).toBe(Buffer.byteLength(e.name) + 1);
      expect(buf[e.offset + 110 + namesize - 1]).toBe(0);
    }
    const trailer = buf.lastIndexOf('TRAILER!!!');
    expect(trailer).toBeGreaterThan(0);
    expect(buf.toString('latin1', trailer - 110, trailer - 104)).toBe('070701');
    // Header of the trailer: namesize 11, everything else zero except nlink 1.
    const th = buf.toString('latin1', trailer - 110, trailer);
    expect(th).toBe('070701' + '00000000' + '00000000' + '00000000' + '00000000' + '00000001' + '00000000'.repeat(6) + '0000000b' + '00000000');
  });

  it('encodes exact header bytes for a symlink and a device', () => {
    const buf = writeCpio([
      { type: 'symlink', path: 'a', target: 'xyz' },
      { type: 'char', path: 'c', major: 5, minor: 1, mode: 0o600 },
    ]);
    const h1 = buf.toString('latin1', 0, 110);
    expect(h1).toBe('070701' + '00000001' + '0000a1ff' + '00000000' + '00000000' + '00000001' + '00000000' + '00000003' + '00000000' + '00000000' + '00000000' + '00000000' + '00000002' + '00000000');
    // 110 + 2 = 112: already aligned; then "xyz" + 1 pad byte.
    expect(buf.toString('latin1', 110, 112)).toBe('a\0');
    expect(buf.toString('latin1', 112, 116)).toBe('xyz\0');
    const h2 = buf.toString('latin1', 116, 226);
    expect(h2).toBe('070701' + '00000002' + '00002180' + '00000000' + '00000000' + '00000001' + '00000000' + '00000000' + '00000000' + '00000000' + '00000005' + '00000001' + '00000002' + '00000000');
  });

  it('lists the archives of a concatenated initrd (gzip, then raw), 4-byte aligned', async () => {
    const base = await gzipInitrd(sample().toBuffer());
    const extra = new CpioBuilder().file('harness/cases/x/files/t.sh', 'echo ok\n', 0o755).toBuffer();
    const initrd = concatInitrd([base, extra]);
    expect(initrd.length).toBeGreaterThanOrEqual(base.length + extra.length);
    const rawStart = initrd.length - extra.length;
    expect(rawStart % 4).toBe(0);
    const entries = readCpio(initrd, { withData: true });
    expect(entries.filter((e) => e.archive === 0)).toHaveLength(12);
    const appended = entries.filter((e) => e.archive === 1);
    expect(appended.map((e) => e.name)).toEqual(['harness', 'harness/cases', 'harness/cases/x', 'harness/cases/x/files', 'harness/cases/x/files/t.sh']);
    expect(appended.at(-1)!.data.toString()).toBe('echo ok\n');
    // Two gzip members back to back are read one by one too.
    const two = concatInitrd([base, await gzipInitrd(extra)]);
    expect(readCpio(two).filter((e) => e.archive === 1)).toHaveLength(5);
  });

  it('replaces an entry added twice and refuses bad paths', () => {
    const t = new CpioBuilder().file('/a/b', 'one').file('a/b', 'two');
    expect(readCpio(t.toBuffer(), { withData: true }).find((e) => e.name === 'a/b')!.data.toString()).toBe('two');
    expect(normalizeCpioPath('/./x//y/')).toBe('x/y');
    expect(() => normalizeCpioPath('a/../b')).toThrow(/\.\./);
    expect(() => normalizeCpioPath('/')).toThrow(/empty/);
    expect(() => new CpioBuilder().file('f', 'x').file('f/g', 'y')).toThrow(/cannot hold/);
    expect(() => new CpioBuilder().hardlink('l', 'missing').toBuffer()).toThrow(/not a file/);
  });

  it('rejects a corrupt archive', () => {
    const buf = sample().toBuffer();
    expect(() => readCpio(buf.subarray(0, 200))).toThrow(/cpio/);
    const bad = Buffer.from(buf);
    bad.write('070799', 0, 'latin1');
    expect(() => readCpio(bad)).toThrow(/bad magic/);
  });

  // An independent reader: busybox cpio, when the host has it.
  const busybox = findOnPath('busybox');
  it.runIf(busybox !== undefined)('is read back by busybox cpio (list and extract)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpio-test-'));
    try {
      const t = new CpioBuilder()
        .file('init', 'hello\n', 0o755)
        .file('bin/busybox', 'BB', 0o755)
        .symlink('bin/sh', '/bin/busybox')
        .hardlink('rootfs/bin/busybox', 'bin/busybox')
        .dir('tmp', 0o1777);
      const archive = join(dir, 'a.cpio');
      writeFileSync(archive, t.toBuffer());
      const listing = execFileSync(busybox!, ['cpio', '-t', '-F', archive], { encoding: 'utf8' }).trim().split('\n');
      // busybox cpio -t leaves out the data-less earlier names of a hard-link group; extraction below
      // shows they are there.
      expect(listing).toEqual(['bin', 'bin/sh', 'init', 'rootfs', 'rootfs/bin', 'rootfs/bin/busybox', 'tmp']);
      const out = join(dir, 'x');
      execFileSync('mkdir', [out]);
      execFileSync(busybox!, ['cpio', '-i', '-d', '-F', archive], { cwd: out, stdio: 'ignore' });
      expect(readFileSync(join(out, 'init'), 'utf8')).toBe('hello\n');
      expect(statSync(join(out, 'init')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(join(out, 'bin/sh'))).toBe('/bin/busybox');
      expect(readFileSync(join(out, 'rootfs/bin/busybox'), 'utf8')).toBe('BB');
      expect(statSync(join(out, 'bin/busybox')).ino).toBe(statSync(join(out, 'rootfs/bin/busybox')).ino);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
