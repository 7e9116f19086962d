import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCaseImage, openImage } from '../../../harness/image/open-image.js';
import { UsageError } from '../../../harness/model/errors.js';

let root: string;
let caseDir: string;
let host: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'harness-open-image-'));
  caseDir = join(root, 'case');
  await mkdir(join(caseDir, 'out'), { recursive: true });
  host = join(root, 'host-secret');
  await writeFile(host, 'root:x:0:0\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function image(dir: string, cmdline?: string): Promise<void> {
  await writeFile(join(dir, 'img-kernel'), 'k');
  await writeFile(join(dir, 'img-initrd.img'), 'i');
  if (cmdline !== undefined) await writeFile(join(dir, 'img-cmdline'), cmdline);
}

async function refusal(open: Promise<unknown>): Promise<UsageError> {
  const error = await open.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const yaml = () => join(caseDir, 'case.yaml');

describe('openCaseImage: an image named by a case file stays inside its case folder', () => {
  it('resolves a relative prefix against the case folder', async () => {
    await image(join(caseDir, 'out'), ' quiet \n');
    expect(await openCaseImage('out/img', caseDir, yaml())).toEqual({
      kind: 'kernel',
      name: 'img',
      kernel: join(caseDir, 'out', 'img-kernel'),
      initrd: join(caseDir, 'out', 'img-initrd.img'),
      cmdline: 'quiet',
    });
  });

  it('follows symlinks that stay inside, and opens the files they lead to', async () => {
    await image(join(caseDir, 'out'));
    await symlink('out/img-kernel', join(caseDir, 'alias-kernel'));
    await symlink(join(caseDir, 'out', 'img-initrd.img'), join(caseDir, 'alias-initrd.img'));
    expect(await openCaseImage('alias', caseDir, yaml())).toMatchObject({
      kernel: join(caseDir, 'out', 'img-kernel'),
      initrd: join(caseDir, 'out', 'img-initrd.img'),
    });
  });

  it('refuses a cmdline that links to a host file, which would put its text on the kernel command line', async () => {
    await image(join(caseDir, 'out'));
    await symlink(host, join(caseDir, 'out', 'img-cmdline'));
    const error = await refusal(openCaseImage('out/img', caseDir, yaml()));
    expect(error.message).toBe(`${yaml()}: image: out/img-cmdline: symlink to ${host} leaves the case folder`);
  });

  it.each(['img-kernel', 'img-initrd.img'])('refuses %s linking outside', async (file) => {
    await image(join(caseDir, 'out'));
    await rm(join(caseDir, 'out', file));
    await symlink(host, join(caseDir, 'out', file));
    const error = await refusal(openCaseImage('out/img', caseDir, yaml()));
    expect(error).toMatchObject({ where: yaml(), problem: `image: out/${file}: symlink to ${host} leaves the case folder` });
  });

  it('refuses a prefix whose folder links outside', async () => {
    await mkdir(join(root, 'elsewhere'));
    await image(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(caseDir, 'linked'));
    const error = await refusal(openCaseImage('linked/img', caseDir, yaml()));
    expect(error.problem).toBe(`image: linked/img-kernel: symlink to ${join(root, 'elsewhere', 'img-kernel')} leaves the case folder`);
  });

  it('refuses a cmdline that is a FIFO, a folder or a broken link, and names missing files', async () => {
    await image(join(caseDir, 'out'));
    const cmdline = join(caseDir, 'out', 'img-cmdline');
    // Reading a FIFO blocks until someone writes to it.
    execFileSync('mkfifo', [cmdline]);
    expect((await refusal(openCaseImage('out/img', caseDir, yaml()))).problem).toBe('image: out/img-cmdline: not a regular file');
    await rm(cmdline);
    await symlink('.', cmdline);
    expect((await refusal(openCaseImage('out/img', caseDir, yaml()))).problem).toBe(
      'image: out/img-cmdline: symlink to a folder: link the files instead',
    );
    await rm(cmdline);
    await symlink('/nonexistent/harness-cmdline', join(caseDir, 'out', 'img-cmdline'));
    expect((await refusal(openCaseImage('out/img', caseDir, yaml()))).problem).toBe('image: out/img-cmdline: broken symlink');
    expect((await refusal(openCaseImage('gone', caseDir, yaml()))).problem).toBe(
      `image: gone-kernel and gone-initrd.img not found in ${caseDir}`,
    );
  });
});

describe('openImage: an image the user names with --image is trusted', () => {
  it('follows symlinks anywhere', async () => {
    await image(root);
    await symlink(host, join(root, 'img-cmdline'));
    expect(await openImage(join(root, 'img'), '--image')).toMatchObject({ kind: 'kernel', cmdline: 'root:x:0:0' });
  });
});
