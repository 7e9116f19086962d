import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EM_AARCH64, EM_S390, EM_X86_64, elfSection, isElf, moduleDepends, readElf, readModinfo } from '../../../harness/image/elf.js';
import { hostArch } from '../../../fixtures/paths.js';
import { makeElf, modinfo } from '../../support/make-elf.js';

const HOST_LOADER = { x86_64: '/lib64/ld-linux-x86-64.so.2', arm64: '/lib/ld-linux-aarch64.so.1', s390x: '/lib/ld64.so.1' } as const;

describe('ELF reader', () => {
  const host = hostArch();
  it.runIf(host !== undefined && existsSync('/bin/ls'))("reads the host's /bin/ls", () => {
    const info = readElf(readFileSync('/bin/ls'));
    expect(info.class).toBe(64);
    expect(info.arch).toBe(host);
    expect(info.endian).toBe(host === 's390x' ? 'be' : 'le');
    expect(info.needed).toContain('libc.so.6');
    expect(info.interp).toBe(HOST_LOADER[host!]);
    expect(info.sections.some((s) => s.name === '.dynstr')).toBe(true);
  });

  it('reads a big-endian 64-bit s390x executable', () => {
    const buf = makeElf({ endian: 'be', machine: EM_S390, interp: '/lib/ld64.so.1', needed: ['libfoo.so.1', 'libc.so.6'], soname: 'prog' });
    const info = readElf(buf);
    expect(info).toMatchObject({ class: 64, endian: 'be', machine: 22, arch: 's390x', type: 3, interp: '/lib/ld64.so.1', soname: 'prog' });
    expect(info.needed).toEqual(['libfoo.so.1', 'libc.so.6']);
  });

  it('reads 32-bit files of both byte orders', () => {
    for (const endian of ['le', 'be'] as const) {
      const info = readElf(makeElf({ cls: 32, endian, machine: 40, interp: '/lib/ld-linux.so.3', needed: ['libc.so.6'] }));
      expect(info).toMatchObject({ class: 32, endian, machine: 40, interp: '/lib/ld-linux.so.3', needed: ['libc.so.6'] });
      expect(info.arch).toBeUndefined();
    }
  });

  it('maps e_machine to arches', () => {
    expect(readElf(makeElf({ machine: EM_X86_64 })).arch).toBe('x86_64');
    expect(readElf(makeElf({ machine: EM_AARCH64 })).arch).toBe('arm64');
    const stat = readElf(makeElf({ machine: EM_AARCH64, type: 2 }));
    expect(stat.interp).toBeUndefined();
    expect(stat.needed).toEqual([]);
  });

  it('reads .modinfo of little- and big-endian modules', () => {
    for (const endian of ['le', 'be'] as const) {
      const ko = makeElf({
        endian,
        machine: endian === 'be' ? EM_S390 : EM_X86_64,
        sections: [
          { name: '.text', data: 'code' },
          { name: '.modinfo', data: modinfo({ alias: 'virtio:d00000003v*', depends: 'virtio,virtio_ring', name: 'virtio_console', vermagic: '6.1.0 SMP mod_unload' }) + modinfo({ alias: 'second' }) },
        ],
      });
      expect(readElf(ko).type).toBe(1);
      expect(moduleDepends(ko)).toEqual(['virtio', 'virtio_ring']);
      const mi = readModinfo(ko);
      expect(mi.get('alias')).toEqual(['virtio:d00000003v*', 'second']);
      expect(mi.get('name')).toEqual(['virtio_console']);
      expect(Buffer.from(elfSection(ko, '.text')!).toString()).toBe('code');
    }
  });

  it('handles empty depends and falls back to scanning without section headers', () => {
    expect(moduleDepends(makeElf({ machine: EM_X86_64, sections: [{ name: '.modinfo', data: modinfo({ depends: '', name: 'x' }) }] }))).toEqual([]);
    const noSh = makeElf({ machine: EM_S390, endian: 'be', noSectionHeaders: true, sections: [{ name: '.modinfo', data: '\0' + modinfo({ depends: 'a,b', name: 'c' }) }] });
    expect(readElf(noSh).sections).toEqual([]);
    expect(moduleDepends(noSh)).toEqual(['a', 'b']);
  });

  it('rejects what is not a well-formed ELF', () => {
    expect(isElf(Buffer.from('#!/bin/sh\n'))).toBe(false);
    expect(() => readElf(Buffer.from('#!/bin/sh\n'))).toThrow(/not an ELF/);
    const good = makeElf({ machine: EM_X86_64, interp: '/x', needed: ['a'] });
    expect(() => readElf(good.subarray(0, 70))).toThrow(/truncated/);
    const badClass = Buffer.from(good);
    badClass[4] = 9;
    expect(() => readElf(badClass)).toThrow(/EI_CLASS/);
  });
});
