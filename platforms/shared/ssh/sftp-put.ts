import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { InfraError, InternalError } from '../../../harness/model/errors.js';

/** A file to upload; folders made for it get `dirMode` (0700 when absent). */
export interface RemoteFile {
  path: string;
  data: Buffer;
  mode: number;
  dirMode?: number;
}

const DEFAULT_DIR_MODE = 0o700;
// SFTP's status for a path that does not exist (draft-ietf-secsh-filexfer-02, SSH_FX_NO_SUCH_FILE).
const NO_SUCH_FILE = 2;

/** Callback-style SFTP calls as promises; `what` names the remote path in the error. */
function sftpCall<T = void>(what: string, start: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => (error ? reject(Object.assign(error, { what })) : resolve(value as T)));
  });
}

/** Where a payload path lands under `dir`; a path that would leave it is a bug in whoever made it. */
function landingPath(dir: string, path: string): string {
  const parts = path.split('/');
  if (path === '' || path.includes('\0') || posix.isAbsolute(path) || parts.includes('..') || parts.every((p) => p === '' || p === '.')) {
    throw new InternalError(`payload path ${JSON.stringify(path)} must be relative and stay inside ${dir}`);
  }
  return posix.join(dir, path);
}

/** Writes one file with exactly `mode`: set on the open handle before any byte, so no umask or old mode lingers. */
export async function writeRemoteFile(sftp: SFTPWrapper, path: string, data: Buffer, mode: number): Promise<void> {
  const handle = await sftpCall<Buffer>(path, (done) => sftp.open(path, 'w', { mode }, done));
  try {
    await sftpCall(path, (done) => sftp.fchmod(handle, mode, done));
    await sftpCall(path, (done) => sftp.write(handle, data, 0, data.length, 0, done));
  } finally {
    await sftpCall(path, (done) => sftp.close(handle, done));
  }
}

/** `mkdir -p`: folders that exist are left as they are; new ones get `mode` exactly. */
async function makeFolders(sftp: SFTPWrapper, folder: string, mode: number, made: Map<string, Promise<void>>): Promise<void> {
  const known = made.get(folder);
  if (known) return known;
  const making = (async () => {
    const found = await sftpCall<Stats>(folder, (done) => sftp.stat(folder, done)).then(
      (stats) => stats,
      (error: Error & { code?: number }) => {
        if (error.code === NO_SUCH_FILE) return undefined;
        throw error;
      },
    );
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error('exists and is not a folder'), { what: folder });
      return;
    }
    await makeFolders(sftp, posix.dirname(folder), mode, made);
    await sftpCall(folder, (done) => sftp.mkdir(folder, { mode }, done));
    await sftpCall(folder, (done) => sftp.chmod(folder, mode, done));
  })();
  made.set(folder, making);
  return making;
}

/** Uploads files under `dir`, making the folders they need; every path is checked before the first byte. */
export async function putRemoteFiles(sftp: SFTPWrapper, dir: string, files: RemoteFile[]): Promise<void> {
  const landing = files.map((file) => ({ ...file, remote: landingPath(dir, file.path) }));
  const made = new Map<string, Promise<void>>();
  for (const file of landing) {
    await makeFolders(sftp, posix.dirname(file.remote), file.dirMode ?? DEFAULT_DIR_MODE, made);
    await writeRemoteFile(sftp, file.remote, file.data, file.mode);
  }
}

/** An SFTP failure as an InfraError naming the target and, where known, the remote path. */
export function sftpFailure(target: string, error: unknown): InfraError {
  const e = error as Error & { what?: string };
  return new InfraError(`sftp to ${target}${e.what ? `: ${e.what}` : ''}: ${e.message}`, { cause: error });
}
