import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpioBuilder, concatInitrd, gzipInitrd, readCpio } from '../../../harness/image/cpio.js';
import { appendPayload } from '../../../harness/image/payload.js';

describe('appendPayload', () => {
  it('appends the payload as a cpio on the next 4-byte boundary of a copy, leaving the image alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-payload-'));
    const image = await gzipInitrd(new CpioBuilder().file('init', 'exec sh\n', 0o755).toBuffer());
    // A gzip member of a length that is no multiple of 4, so the padding is really needed.
    const odd = image.length % 4 === 0 ? Buffer.concat([image, Buffer.alloc(1)]) : image;
    const initrd = join(dir, 'initrd.img');
    writeFileSync(initrd, odd);
    const target = await appendPayload(initrd, [{ path: 'cases/a/files/test.sh', data: Buffer.from('echo ok\n'), mode: 0o755 }], '/harness', join(dir, 'with-payload.img'));

    const expected = new CpioBuilder().file('harness/cases/a/files/test.sh', Buffer.from('echo ok\n'), 0o755).toBuffer();
    expect(readFileSync(target)).toEqual(concatInitrd([odd, expected]));
    expect(readFileSync(initrd)).toEqual(odd);
    const appended = readFileSync(target).subarray(odd.length + ((4 - (odd.length % 4)) % 4));
    expect(readCpio(appended).map((e) => e.name)).toContain('harness/cases/a/files/test.sh');
  });
});
