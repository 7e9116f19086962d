import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFixedVhd, checkGceTarball, checkRawDisk } from '../../../../platforms/cloud/core/image-file.js';

const dir = mkdtempSync(join(tmpdir(), 'image-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

/** A sparse file of `size` bytes. */
function sparse(file: string, size: number): string {
  writeFileSync(file, '');
  truncateSync(file, size);
  return file;
}

describe('image files for upload', () => {
  it('takes a raw disk of whole sectors and names the file when it is not one', async () => {
    expect(await checkRawDisk(sparse(path('disk.img'), 4 << 20))).toBe(4 << 20);
    await expect(checkRawDisk(sparse(path('odd.img'), 1000))).rejects.toThrow(`${path('odd.img')}: is 1000 bytes, not a whole number of 512-byte sectors`);
    await expect(checkRawDisk(path('missing.img'))).rejects.toThrow(`${path('missing.img')}: cannot be read`);
  });

  it('takes the fixed VHD qemu-img writes, and refuses a dynamic one or a damaged footer', async () => {
    const raw = sparse(path('vhd-source.raw'), 8 << 20);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size', raw, path('fixed.vhd')]);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic', raw, path('dynamic.vhd')]);
    expect(await checkFixedVhd(path('fixed.vhd'))).toBe((8 << 20) + 512);
    await expect(checkFixedVhd(path('dynamic.vhd'))).rejects.toThrow(/: is a dynamic VHD; Azure takes fixed VHDs only/);
    await expect(checkFixedVhd(raw)).rejects.toThrow(`${raw}: has no VHD footer`);
    const damaged = readFileSync(path('fixed.vhd'));
    damaged[damaged.length - 492] = damaged[damaged.length - 492]! ^ 0xff;
    writeFileSync(path('damaged.vhd'), damaged);
    await expect(checkFixedVhd(path('damaged.vhd'))).rejects.toThrow(/damaged VHD footer/);
  });

  it('takes a tar.gz whose disk.raw is a whole number of GiB (a GNU sparse member too)', async () => {
    const work = mkdtempSync(join(dir, 'gce-'));
    sparse(join(work, 'disk.raw'), 1 << 30);
    execFileSync('tar', ['--format=oldgnu', '-Sczf', path('image.tar.gz'), '-C', work, 'disk.raw']);
    expect(await checkGceTarball(path('image.tar.gz'))).toBeGreaterThan(0);

    truncateSync(join(work, 'disk.raw'), 5 << 20);
    execFileSync('tar', ['--format=oldgnu', '-czf', path('small.tar.gz'), '-C', work, 'disk.raw']);
    await expect(checkGceTarball(path('small.tar.gz'))).rejects.toThrow(`${path('small.tar.gz')}: has a disk.raw of ${5 << 20} bytes; Compute Engine needs a whole number of GiB`);

    writeFileSync(join(work, 'README'), 'x');
    execFileSync('tar', ['-czf', path('wrong.tar.gz'), '-C', work, 'README', 'disk.raw']);
    await expect(checkGceTarball(path('wrong.tar.gz'))).rejects.toThrow(/starts with "README"; Compute Engine wants disk.raw/);
    await expect(checkGceTarball(path('fixed.vhd'))).rejects.toThrow(/: is not gzip/);
  });
});
