import { pack } from 'tar-stream';
import type { PayloadFile } from '../../platforms/platform.js';

/** Where a packed payload lands before the agent unpacks it, relative to the payload folder. */
export const PAYLOAD_TAR = '.payload.tar';

/**
 * A session's case files as one tar: one framed upload and one `tar -x` in the guest instead of a
 * round trip and a handful of forks per file, which cost seconds for a suite under TCG.
 */
export async function payloadTar(files: readonly PayloadFile[]): Promise<Buffer> {
  const out = pack();
  const chunks: Buffer[] = [];
  const drained = (async () => {
    for await (const chunk of out) chunks.push(chunk as Buffer);
  })();
  for (const f of files) {
    await new Promise<void>((resolve, reject) => out.entry({ name: f.path, mode: f.mode & 0o777, mtime: new Date(0), uid: 0, gid: 0 }, f.data, (e) => (e ? reject(e) : resolve())));
  }
  out.finalize();
  await drained;
  return Buffer.concat(chunks);
}
