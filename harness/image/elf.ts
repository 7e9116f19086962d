/**
 * A minimal ELF reader: enough to place a dynamically linked program into an image (DT_NEEDED,
 * PT_INTERP) and to read a kernel module's `.modinfo`. 32- and 64-bit, both byte orders. It reads a
 * Buffer and never executes anything, so foreign-architecture files are safe to inspect.
 */
import type { Arch } from '../model/types.js';

export type ElfClass = 32 | 64;
export type Endianness = 'le' | 'be';

/** e_machine values this project cares about. */
export const EM_S390 = 22;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const MACHINE_ARCH: Readonly<Record<number, Arch>> = {
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'arm64',
  [EM_S390]: 's390x',
};

export const ET_REL = 1;
export const ET_DYN = 3;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_SONAME = 14;
const DT_RUNPATH = 29;
const DT_RPATH = 15;

export interface ElfSection {
  name: string;
  type: number;
  offset: number;
  size: number;
}

export interface ElfInfo {
  class: ElfClass;
  endian: Endianness;
  /** e_type: 1 relocatable (a .ko), 2 executable, 3 shared object or PIE. */
  type: number;
  machine: number;
  /** The harness arch for `machine`, when it is one we know. */
  arch?: Arch;
  /** PT_INTERP without its NUL, e.g. `/lib64/ld-linux-x86-64.so.2`; absent for static files. */
  interp?: string;
  /** DT_NEEDED entries in file order. */
  needed: string[];
  soname?: string;
  /** DT_RUNPATH or DT_RPATH, split on ':'. */
  runpath: string[];
  sections: ElfSection[];
}

export class ElfError extends Error {
  override readonly name = 'ElfError';
}

export function isElf(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

export function machineToArch(machine: number): Arch | undefined {
  return MACHINE_ARCH[machine];
}

export function archToMachine(arch: Arch): number {
  switch (arch) {
    case 'x86_64':
      return EM_X86_64;
    case 'arm64':
      return EM_AARCH64;
    case 's390x':
      return EM_S390;
  }
}

/** Field reader over one buffer with the file's class and byte order. */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly is64: boolean,
    private readonly le: boolean,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private check(off: number, len: number): void {
    if (off < 0 || off + len > this.buf.length) {
      throw new ElfError(`truncated ELF: need bytes ${off}..${off + len}, file has ${this.buf.length}`);
    }
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.view.getUint16(off, this.le);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.view.getUint32(off, this.le);
  }
  u64(off: number): number {
    this.check(off, 8);
    const v = this.view.getBigUint64(off, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`64-bit value at ${off} is too large`);
    return Number(v);
  }
  /** A natural-width address or offset: 4 bytes in ELF32, 8 in ELF64. */
  word(off: number): number {
    return this.is64 ? this.u64(off) : this.u32(off);
  }
  cstring(off: number, limit = this.buf.length): string {
    if (off < 0 || off >= limit) throw new ElfError(`string offset ${off} out of range`);
    let end = off;
    while (end < limit && this.buf[end] !== 0) end++;
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + off, end - off).toString('latin1');
  }
}

interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

function programHeaders(r: Reader): ProgramHeader[] {
  const phoff = r.word(r.is64 ? 0x20 : 0x1c);
  const phentsize = r.u16(r.is64 ? 0x36 : 0x2a);
  const phnum = r.u16(r.is64 ? 0x38 : 0x2c);
  const out: ProgramHeader[] = [];
  if (phoff === 0) return out;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (r.is64) {
      out.push({ type: r.u32(p), offset: r.u64(p + 8), vaddr: r.u64(p + 16), filesz: r.u64(p + 32) });
    } else {
      out.push({ type: r.u32(p), offset: r.u32(p + 4), vaddr: r.u32(p + 8), filesz: r.u32(p + 16) });
    }
  }
  return out;
}

function sectionHeaders(r: Reader): ElfSection[] {
  const shoff = r.word(r.is64 ? 0x28 : 0x20);
  const shentsize = r.u16(r.is64 ? 0x3a : 0x2e);
  let shnum = r.u16(r.is64 ? 0x3c : 0x30);
  let shstrndx = r.u16(r.is64 ? 0x3e : 0x32);
  if (shoff === 0) return [];
  const raw: { nameOff: number; type: number; offset: number; size: number }[] = [];
  const at = (i: number) => shoff + i * shentsize;
  // Extended numbering: the real counts live in section 0.
  if (shnum === 0) shnum = r.is64 ? r.u64(at(0) + 0x20) : r.u32(at(0) + 0x14);
  if (shstrndx === 0xffff) shstrndx = r.u32(at(0) + (r.is64 ? 0x28 : 0x18));
  for (let i = 0; i < shnum; i++) {
    const s = at(i);
    raw.push(
      r.is64
        ? { nameOff: r.u32(s), type: r.u32(s + 4), offset: r.u64(s + 0x18), size: r.u64(s + 0x20) }
        : { nameOff: r.u32(s), type: r.u32(s + 4), offset: r.u32(s + 0x10), size: r.u32(s + 0x14) },
    );
  }
  const strtab = raw[shstrndx];
  return raw.map((s) => ({
    name: strtab && s.nameOff < strtab.size ? r.cstring(strtab.offset + s.nameOff, strtab.offset + strtab.size) : '',
    type: s.type,
    offset: s.offset,
    size: s.size,
  }));
}

/** Parse the headers of an ELF file held in memory. Throws ElfError on anything malformed. */
export function readElf(input: Uint8Array): ElfInfo {
  if (!isElf(input)) throw new ElfError('not an ELF file');
  const cls = input[4];
  const data = input[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(`bad EI_CLASS ${cls}`);
  if (data !== 1 && data !== 2) throw new ElfError(`bad EI_DATA ${data}`);
  const r = new Reader(input, cls === 2, data === 1);
  const type = r.u16(0x10);
  const machine = r.u16(0x12);

  const phdrs = programHeaders(r);
  let interp: string | undefined;
  const interpHdr = phdrs.find((p) => p.type === PT_INTERP);
  if (interpHdr) interp = r.cstring(interpHdr.offset, interpHdr.offset + interpHdr.filesz);

  const needed: string[] = [];
  const runpath: string[] = [];
  let soname: string | undefined;
  const dyn = phdrs.find((p) => p.type === PT_DYNAMIC);
  if (dyn) {
    const entSize = r.is64 ? 16 : 8;
    const entries: [number, number][] = [];
    for (let off = dyn.offset; off + entSize <= dyn.offset + dyn.filesz; off += entSize) {
      const tag = r.is64 ? r.u64(off) : r.u32(off);
      const val = r.word(off + (r.is64 ? 8 : 4));
      if (tag === DT_NULL) break;
      entries.push([tag, val]);
    }
    const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
    if (strtabAddr !== undefined) {
      const strtabOff = vaddrToOffset(phdrs, strtabAddr);
      for (const [tag, val] of entries) {
        if (tag === DT_NEEDED) needed.push(r.cstring(strtabOff + val));
        else if (tag === DT_SONAME) soname = r.cstring(strtabOff + val);
        else if (tag === DT_RUNPATH || tag === DT_RPATH) runpath.push(...r.cstring(strtabOff + val).split(':').filter(Boolean));
      }
    }
  }

  const info: ElfInfo = {
    class: cls === 2 ? 64 : 32,
    endian: data === 1 ? 'le' : 'be',
    type,
    machine,
    needed,
    runpath,
    sections: sectionHeaders(r),
  };
  const arch = machineToArch(machine);
  if (arch) info.arch = arch;
  if (interp !== undefined) info.interp = interp;
  if (soname !== undefined) info.soname = soname;
  return info;
}

function vaddrToOffset(phdrs: ProgramHeader[], vaddr: number): number {
  for (const p of phdrs) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  throw new ElfError(`address 0x${vaddr.toString(16)} is in no PT_LOAD segment`);
}

/** The bytes of a named section, or undefined when the file has none by that name. */
export function elfSection(buf: Uint8Array, name: string, info: ElfInfo = readElf(buf)): Uint8Array | undefined {
  const s = info.sections.find((x) => x.name === name);
  if (!s) return undefined;
  if (s.offset + s.size > buf.length) throw new ElfError(`section ${name} runs past the end of the file`);
  return buf.subarray(s.offset, s.offset + s.size);
}

/**
 * A kernel module's `.modinfo` as key → values (a key such as `alias` repeats). Falls back to scanning
 * the whole file for NUL-separated `key=value` strings when the section cannot be found.
 */
export function readModinfo(buf: Uint8Array): Map<string, string[]> {
  let blob: Uint8Array | undefined;
  try {
    blob = elfSection(buf, '.modinfo');
  } catch {
    blob = undefined;
  }
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  };
  if (blob) {
    for (const item of Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('latin1').split('\0')) {
      const eq = item.indexOf('=');
      if (eq > 0) add(item.slice(0, eq), item.slice(eq + 1));
    }
    return out;
  }
  // No section table: pick out the few keys we rely on from the raw bytes.
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
  for (const key of ['name', 'depends', 'vermagic', 'softdep']) {
    const re = new RegExp(`\\0${key}=([^\\0]*)\\0`, 'g');
    for (const m of text.matchAll(re)) add(key, m[1] ?? '');
  }
  return out;
}

/** The module names a .ko depends on (its `depends=` field), in the order the field lists them. */
export function moduleDepends(buf: Uint8Array): string[] {
  const deps = readModinfo(buf).get('depends') ?? [];
  return deps.flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean);
}
