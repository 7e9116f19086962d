import { open, type FileHandle } from 'node:fs/promises';

/**
 * Random access to an image's bytes for the header readers. Every length a reader asks for comes
 * from the image itself, so one read is capped: a hostile size field cannot make us allocate
 * gigabytes.
 */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset`; fewer at the end, none past it. */
  read(offset: number, length: number): Promise<Buffer>;
}

export const MAX_READ = 16 * 1024 * 1024;

/** Thrown by the readers for input that is not what its header claims; detect.ts names the file. */
export class DamagedImage extends Error {
  override readonly name = 'DamagedImage';
}

function checkedLength(offset: number, length: number, size: number): number {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new DamagedImage(`read of ${length} bytes at ${offset} is out of range`);
  }
  if (length > MAX_READ) throw new DamagedImage(`a header asks for ${length} bytes at once (more than ${MAX_READ})`);
  return Math.max(0, Math.min(length, size - offset));
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => Buffer.from(buf.subarray(offset, offset + checkedLength(offset, length, buf.length))),
  };
}

/** `size` bytes of `inner` from `start`: a partition, an El Torito image, a flat extent. */
export function sliceSource(inner: ByteSource, start: number, size: number): ByteSource {
  const end = Math.min(inner.size, start + size);
  const length = Math.max(0, end - start);
  return {
    size: length,
    read: (offset, want) => inner.read(start + offset, checkedLength(offset, want, length)),
  };
}

export interface FileSource extends ByteSource {
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<FileSource> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const want = checkedLength(offset, length, size);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await handle.read(buf, 0, want, offset);
      return buf.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}
