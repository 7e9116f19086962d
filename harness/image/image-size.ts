/**
 * What an image weighs, measured from its files without booting it: the shipped (compressed) sizes
 * and where the initrd's unpacked bytes go, so a grown image says which part grew.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { S_IFLNK, S_IFMT, S_IFREG } from './cpio.js';
import type { DiskImage, KernelImage } from '../../platforms/platform.js';
import { UsageError } from '../model/errors.js';
import { inflateGzipMember, initrdFormat } from './image-check.js';
import type { ImageIdentity, ImageSizes } from '../metrics/types.js';

/**
 * Sizes and digest of an image. `components` splits the initrd's uncompressed bytes (each entry's
 * newc header, name, data and their padding) by part; archive overhead (trailers, zero padding
 * between archives) is `rest`, so the components add up to `initrdUncompressed` exactly. That total
 * is every byte the kernel's unpacker walks: inflated gzip members plus raw bytes, padding included.
 */
export async function measureImage(image: KernelImage): Promise<MeasuredImage> {
  const initrd = image.initrd ? await readImageFile(image.initrd) : Buffer.alloc(0);
  const tally = image.initrd ? await tallyInitrd(image.initrd, initrd) : new NewcTally();
  const kernel = await readImageFile(image.kernel);
  const root = image.root ? await readImageFile(image.root.path) : Buffer.alloc(0);
  // Each part is length-prefixed, so moving bytes from the kernel to the initrd changes the digest.
  const hash = createHash('sha256');
  for (const part of [kernel, initrd, Buffer.from(image.cmdline, 'utf8'), ...(image.root ? [root] : [])]) {
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(part.length));
    hash.update(length).update(part);
  }
  const components = Object.fromEntries([...tally.components].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    sizes: { kernel: kernel.length, initrd: initrd.length, initrdUncompressed: tally.total, total: kernel.length + initrd.length + root.length, components },
    identity: { imageDigest: hash.digest('hex') },
  };
}

export type MeasuredImage = { sizes: ImageSizes; identity: Omit<ImageIdentity, 'kernelVersion'> };

/** A disk image weighs its file; its digest is the file's. The kernel inside it is not looked at. */
export async function measureDisk(image: DiskImage): Promise<MeasuredImage> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(image.path)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (error) {
    throw new UsageError(image.path, `cannot be read (${(error as Error).message})`);
  }
  return { sizes: { kernel: 0, initrd: 0, initrdUncompressed: 0, total: size, components: {} }, identity: { imageDigest: hash.digest('hex') } };
}

function readImageFile(path: string): Promise<Buffer> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(path, error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.message})`);
  });
}

/** Walks the initrd the way the kernel's unpacker does: zero padding, raw newc archives and compressed members, in any order. */
async function tallyInitrd(file: string, buf: Buffer): Promise<NewcTally> {
  const tally = new NewcTally();
  let pos = 0;
  try {
    for (;;) {
      tally.locate = (at) => `byte ${at}`;
      pos += tally.feed(buf.subarray(pos), pos);
      if (pos >= buf.length) break;
      const format = initrdFormat(buf.subarray(pos, pos + 8));
      if (format !== 'gzip') {
        const hex = buf.subarray(pos, pos + 8).toString('hex');
        if (!format) throw new UsageError(file, `corrupt initrd: neither a cpio header nor a compressed archive at byte ${pos} (0x${hex})`);
        const part = pos === 0 ? 'initrd is' : `initrd part at byte ${pos} is`;
        throw new UsageError(file, `${part} ${format}-compressed; size breakdown supports gzip and uncompressed cpio`);
      }
      const member = pos;
      let inflated = 0;
      tally.locate = (at) => `byte ${at} of the data inflated from the gzip member at byte ${member}`;
      pos = await inflateGzipMember(buf, member, (chunk) => {
        const used = tally.feed(chunk, inflated);
        // The kernel allows only cpio and zero padding inside a compressed member.
        if (used < chunk.length) throw new Error(`junk at ${tally.locate(inflated + used)}: expected a cpio header or zero padding`);
        inflated += chunk.length;
      });
    }
    tally.finish();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(file, `corrupt initrd: ${(error as Error).message}`);
  }
  return tally;
}

const HEADER = 110;
const TRAILER = 'TRAILER!!!';
// The kernel refuses names longer than PATH_MAX; symlink targets past that are never busybox's.
const MAX_NAME = 4096;
const pad4 = (n: number) => (4 - (n % 4)) % 4;

type Phase = 'idle' | 'header' | 'name' | 'namePad' | 'body' | 'bodyPad';

interface Entry {
  at: number;
  locate: (at: number) => string;
  name: string;
  mode: number;
  /** Hard links share this within one archive (the kernel forgets them at each trailer). */
  inode: string;
  nlink: number;
  size: number;
  /** A symlink's target (its first MAX_NAME bytes). */
  target?: string;
  /** Every byte of the entry so far, and the data part of it (body and its padding). */
  bytes: number;
  dataBytes: number;
}

/**
 * A streaming newc parser that keeps no file data: bytes go in chunk by chunk and are added to the
 * component of the entry they belong to. `locate` turns a position in the current input into words
 * for errors.
 */
class NewcTally {
  readonly components = new Map<string, number>();
  total = 0;
  locate: (at: number) => string = (at) => `byte ${at}`;
  private phase: Phase = 'idle';
  private need = 0;
  private entry: Entry | undefined;
  // Header, name or symlink target being collected; reused, never longer than MAX_NAME.
  private readonly scratch = Buffer.alloc(MAX_NAME);
  private collected = 0;
  /** newc stores a hard-linked file's data once; it goes to the first non-container name seen. */
  private readonly links = new Map<string, { owner?: string; first: string; bytes: number }>();

  /** Consumes `chunk` (starting at position `at`); stops early only between entries, at a byte that is neither padding nor a header. */
  feed(chunk: Buffer, at: number): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'idle') {
        let j = i;
        while (j < chunk.length && chunk[j] === 0) j++;
        this.add('rest', j - i);
        i = j;
        if (i === chunk.length || chunk[i] !== 0x30) break; // '0' starts every newc magic
        this.entry = { at: at + i, locate: this.locate, name: '', mode: 0, inode: '', nlink: 0, size: 0, bytes: 0, dataBytes: 0 };
        this.enter('header', HEADER);
        continue;
      }
      const n = Math.min(this.need, chunk.length - i);
      this.take(chunk.subarray(i, i + n));
      i += n;
      this.need -= n;
      this.settle();
    }
    this.total += i;
    return i;
  }

  /** The end of the input: only an entry missing nothing but its trailing padding may be open. */
  finish(): void {
    const entry = this.entry;
    if (this.phase === 'bodyPad' || (this.phase === 'namePad' && entry?.size === 0)) this.complete();
    else if (this.phase !== 'idle' && entry) {
      const what = entry.name ? `cpio entry ${JSON.stringify(entry.name)}` : 'cpio header';
      throw new Error(`${what} at ${entry.locate(entry.at)} is truncated (the input ends in its ${this.phase})`);
    }
    this.flushLinks();
  }

  /** Moves through the phases that are complete, zero-length ones included. */
  private settle(): void {
    while (this.phase !== 'idle' && this.need === 0) this.advance();
  }

  private add(component: string, bytes: number): void {
    if (bytes > 0) this.components.set(component, (this.components.get(component) ?? 0) + bytes);
  }

  private enter(phase: Phase, need: number): void {
    this.phase = phase;
    this.need = need;
    this.collected = 0;
  }

  private take(bytes: Buffer): void {
    const entry = this.entry!;
    entry.bytes += bytes.length;
    if (this.phase === 'body' || this.phase === 'bodyPad') entry.dataBytes += bytes.length;
    const symlinkTarget = this.phase === 'body' && (entry.mode & S_IFMT) === S_IFLNK;
    if (this.phase === 'header' || this.phase === 'name' || symlinkTarget) {
      this.collected += bytes.copy(this.scratch, this.collected, 0, Math.min(bytes.length, MAX_NAME - this.collected));
    }
  }

  private advance(): void {
    const entry = this.entry!;
    switch (this.phase) {
      case 'header': {
        const fields = parseHeader(this.scratch.subarray(0, HEADER), () => entry.locate(entry.at));
        Object.assign(entry, fields.entry);
        if (fields.namesize < 1 || fields.namesize > MAX_NAME) throw new Error(`cpio header at ${entry.locate(entry.at)}: bad name size ${fields.namesize}`);
        return this.enter('name', fields.namesize);
      }
      case 'name':
        entry.name = this.scratch.toString('utf8', 0, this.collected - 1);
        return this.enter('namePad', pad4(HEADER + this.collected));
      case 'namePad':
        return this.enter('body', entry.size);
      case 'body':
        if ((entry.mode & S_IFMT) === S_IFLNK) entry.target = this.scratch.toString('utf8', 0, this.collected);
        return this.enter('bodyPad', pad4(entry.size));
      case 'bodyPad':
        return this.complete();
    }
  }

  private complete(): void {
    const entry = this.entry!;
    this.phase = 'idle';
    if (entry.name === TRAILER) {
      this.add('rest', entry.bytes);
      return this.flushLinks();
    }
    const component = componentOf(entry.name, entry.target);
    if ((entry.mode & S_IFMT) !== S_IFREG || entry.nlink < 2) return this.add(component, entry.bytes);
    const link = this.links.get(entry.inode) ?? { first: component, bytes: 0 };
    if (link.owner === undefined && !component.startsWith('containers/')) link.owner = component;
    link.bytes += entry.dataBytes;
    this.links.set(entry.inode, link);
    this.add(component, entry.bytes - entry.dataBytes);
  }

  private flushLinks(): void {
    for (const link of this.links.values()) this.add(link.owner ?? link.first, link.bytes);
    this.links.clear();
  }
}

function parseHeader(header: Buffer, where: () => string): { namesize: number; entry: Pick<Entry, 'mode' | 'inode' | 'nlink' | 'size'> } {
  const magic = header.toString('latin1', 0, 6);
  if (magic !== '070701' && magic !== '070702') throw new Error(`no newc cpio header at ${where()} (magic ${JSON.stringify(magic)})`);
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const field = (i: number) => {
    const text = header.toString('latin1', 6 + i * 8, 14 + i * 8);
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new Error(`bad cpio header at ${where()}: field ${i} is ${JSON.stringify(text)}`);
    return parseInt(text, 16);
  };
  return {
    namesize: field(11),
    entry: { mode: field(1), nlink: field(4), size: field(6), inode: `${field(7)}:${field(8)}:${field(0)}` },
  };
}

const RUNTIME_BINARIES = /^usr\/bin\/(crun|runc|ctr|containerd[^/]*)$/;
const LIBRARY_DIRS = ['lib', 'lib64', 'usr/lib', 'usr/lib64'];
// Merged-/usr images keep modules under usr/lib/modules.
const MODULE_DIRS = ['lib/modules', 'usr/lib/modules'];

/** The part an archive path belongs to; the first rule that matches wins. */
function componentOf(name: string, symlinkTarget?: string): string {
  const path = name.replace(/^(\.?\/)+/, '');
  const under = (dirs: readonly string[]) => dirs.some((d) => path === d || path.startsWith(`${d}/`));
  const parts = path.split('/');
  if (parts[0] === 'containers' && parts[1] !== undefined) {
    // LinuxKit: containers/onboot/<name>, containers/services/<name>.
    if (parts[1] === 'onboot' || parts[1] === 'services') return parts[2] === undefined ? 'rest' : `containers/${parts[1]}/${parts[2]}`;
    return `containers/${parts[1]}`;
  }
  if (RUNTIME_BINARIES.test(path) || (under(LIBRARY_DIRS) && !under(MODULE_DIRS))) return 'runtime';
  if (under(MODULE_DIRS)) return 'modules';
  if (path === 'bin/busybox' || (symlinkTarget !== undefined && posix.basename(symlinkTarget) === 'busybox')) return 'busybox';
  if (under(['harness'])) return 'agent';
  if (path === 'init' || under(['etc'])) return 'init';
  return 'rest';
}
