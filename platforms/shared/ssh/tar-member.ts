import { extract } from 'tar-stream';

/** One regular file's bytes out of a tar in memory (`./bin/busybox` and `bin/busybox` are the same name). */
export async function tarMember(tar: Buffer, name: string): Promise<Buffer | undefined> {
  const wanted = name.replace(/^\.?\//, '');
  const reader = extract();
  let found: Buffer | undefined;
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      const mine = header.type === 'file' && header.name.replace(/^\.?\//, '') === wanted;
      stream.on('data', (chunk: unknown) => {
        if (mine) chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        if (mine) found = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  reader.end(tar);
  await done;
  return found;
}
