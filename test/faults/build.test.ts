import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpioBuilder, readCpio } from '../../harness/image/cpio.js';
import { builderFromInitrd, faultVariantNames, SETUP_PATH, setupScriptFrom } from '../../fixtures/faults/build.js';
import { fixturesSrcDir } from '../../fixtures/paths.js';

const initText = readFileSync(join(fixturesSrcDir, 'init.sh'), 'utf8');

describe('fault images', () => {
  it('take the setup part of fixtures/init.sh, without the ready marker or the shell', () => {
    const setup = setupScriptFrom(initText);
    expect(setup).toContain('mount -t proc proc /proc');
    expect(setup).toContain('modprobe');
    expect(setup).not.toContain('harness-init: ready');
    expect(setup).not.toMatch(/^exec /m);
    expect(setup).not.toMatch(/^#!/);
  });

  it('refuse an init.sh without the ready marker instead of building images that never boot', () => {
    expect(() => setupScriptFrom('#!/bin/sh\nmount -t proc proc /proc\nexec sh\n')).toThrow(/ready/);
  });

  it('carry every entry of the base initrd over, hard links included', () => {
    const base = new CpioBuilder()
      .file('bin/busybox', 'BUSYBOX', 0o755)
      .hardlink('containers/base/rootfs/bin/busybox', 'bin/busybox')
      .symlink('bin/sh', 'busybox')
      .charDevice('dev/console', 5, 1)
      .dir('tmp', 0o1777)
      .file('init', 'old init', 0o755);
    const entries = readCpio(base.toBuffer(), { withData: true });
    const copy = builderFromInitrd(entries);
    copy.file('init', 'new init', 0o755);
    const out = readCpio(copy.toBuffer(), { withData: true });
    const byName = new Map(out.map((e) => [e.name, e]));
    expect(byName.get('init')!.data.toString()).toBe('new init');
    expect(byName.get('bin/sh')!.target).toBe('busybox');
    expect(byName.get('dev/console')).toMatchObject({ type: 'char', rdevmajor: 5, rdevminor: 1 });
    expect(byName.get('tmp')!.mode & 0o7777).toBe(0o1777);
    const links = out.filter((e) => e.name.endsWith('bin/busybox'));
    expect(links).toHaveLength(2);
    expect(new Set(links.map((e) => e.ino)).size).toBe(1);
    expect(links.map((e) => e.data.toString()).join('')).toBe('BUSYBOX');
  });

  it('are busybox sh scripts that source the shared setup and never let PID 1 exit', async () => {
    const names = await faultVariantNames();
    expect(names).toEqual(expect.arrayContaining(['panic', 'hang-silent', 'hang-after-ready', 'garbage', 'flood', 'reset', 'channel-lost']));
    for (const name of names) {
      const text = readFileSync(join(fixturesSrcDir, 'faults', `${name}.sh`), 'utf8');
      expect(text.startsWith('#!/bin/busybox sh\n'), name).toBe(true);
      expect(text, name).toContain(`. /${SETUP_PATH}`);
      // The last command either execs the shell or loops forever.
      expect(text.trimEnd(), name).toMatch(/(exec setsid cttyhack sh|done)$/);
    }
  });
});
