import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Why a case may not use `file`: it is a broken link, leads outside the case folder (whose real path
 * is `realDir`) through a symlink of its own or of a folder on the way, or is no regular file. A link
 * out would copy a host file into the guest, or put it on the kernel command line.
 */
export async function confinementProblem(file: string, realDir: string): Promise<string | undefined> {
  const target = await realpath(file).catch(() => undefined);
  if (target === undefined) return 'broken symlink';
  const rel = path.relative(realDir, target);
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return `symlink to ${target} leaves the case folder`;
  }
  const info = await stat(target);
  // A linked folder would be copied as a file, or loop; link the files themselves instead.
  if (info.isDirectory()) return 'symlink to a folder: link the files instead';
  // A FIFO or a device would block the read, or never end.
  return info.isFile() ? undefined : 'not a regular file';
}
