import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InfraError, InternalError } from '../../../../harness/model/errors.js';
import { makeKey } from './keys.js';
import { connected, optionsFor, startServer } from './test-server.js';

async function setUp() {
  const clientKey = makeKey();
  const server = await startServer(clientKey);
  return { server, connection: await connected(optionsFor(server, clientKey)) };
}

const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe('SshConnection.putFiles', () => {
  it('lands each file with its content and mode, making folders 0700 unless told otherwise', async () => {
    const { server, connection } = await setUp();
    const big = Buffer.alloc(300_000, 7);
    await connection.putFiles('/run/harness/payload', [
      { path: 'case.sh', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { path: 'cases/a/config.json', data: Buffer.from('{}'), mode: 0o600 },
      { path: 'cases/a/big.bin', data: big, mode: 0o644 },
      { path: 'shared/readme', data: Buffer.from('r'), mode: 0o644, dirMode: 0o755 },
    ]);
    const root = join(server.sftpRoot, 'run/harness/payload');
    expect(readFileSync(join(root, 'case.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(modeOf(join(root, 'case.sh'))).toBe(0o755);
    expect(modeOf(join(root, 'cases/a/config.json'))).toBe(0o600);
    expect(readFileSync(join(root, 'cases/a/big.bin')).equals(big)).toBe(true);
    expect([root, join(root, 'cases'), join(root, 'cases/a'), join(server.sftpRoot, 'run')].map(modeOf)).toEqual([0o700, 0o700, 0o700, 0o700]);
    expect(modeOf(join(root, 'shared'))).toBe(0o755);
    // The mode is set on the open handle before the first byte is written.
    expect(server.sftpOps.filter((op) => !op.startsWith('STAT') && !op.startsWith('MKDIR') && !op.startsWith('SETSTAT')).slice(0, 4)).toEqual([
      'OPEN /run/harness/payload/case.sh',
      'FSETSTAT',
      'WRITE',
      'CLOSE',
    ]);
  });

  it('leaves existing folders and their modes alone, and replaces an existing file', async () => {
    const { server, connection } = await setUp();
    mkdirSync(join(server.sftpRoot, 'p'), { mode: 0o755 });
    writeFileSync(join(server.sftpRoot, 'p/f'), 'old contents, longer', { mode: 0o666 });
    await connection.putFiles('/p', [{ path: 'f', data: Buffer.from('new'), mode: 0o640 }]);
    expect(modeOf(join(server.sftpRoot, 'p'))).toBe(0o755);
    expect(readFileSync(join(server.sftpRoot, 'p/f'), 'utf8')).toBe('new');
    expect(modeOf(join(server.sftpRoot, 'p/f'))).toBe(0o640);
    expect(server.sftpOps.some((op) => op.startsWith('MKDIR'))).toBe(false);
  });

  it.each(['../escape', 'a/../../escape', '/etc/passwd', '', '.', 'a\0b'])('refuses %j before writing anything', async (path) => {
    const { server, connection } = await setUp();
    const put = connection.putFiles('/p', [
      { path: 'fine', data: Buffer.from('x'), mode: 0o644 },
      { path, data: Buffer.from('x'), mode: 0o644 },
    ]);
    await expect(put).rejects.toThrow(InternalError);
    await expect(put).rejects.toThrow('must be relative and stay inside /p');
    expect(readdirSync(server.sftpRoot)).toEqual([]);
  });

  it('names the target and the path when the server refuses', async () => {
    const { server, connection } = await setUp();
    writeFileSync(join(server.sftpRoot, 'blocker'), '');
    const put = connection.putFiles('/blocker/sub', [{ path: 'f', data: Buffer.from('x'), mode: 0o644 }]);
    await expect(put).rejects.toThrow(InfraError);
    await expect(put).rejects.toThrow(`sftp to root@127.0.0.1:${server.port}: /blocker: exists and is not a folder`);
  });
});

describe('SshConnection.putFile', () => {
  it('writes one file with its mode into an existing folder', async () => {
    const { server, connection } = await setUp();
    mkdirSync(join(server.sftpRoot, 'tmp'));
    await connection.putFile('/tmp/agent.sh', Buffer.from('echo'), 0o700);
    expect(readFileSync(join(server.sftpRoot, 'tmp/agent.sh'), 'utf8')).toBe('echo');
    expect(modeOf(join(server.sftpRoot, 'tmp/agent.sh'))).toBe(0o700);
    await expect(connection.putFile('/missing/f', Buffer.from(''), 0o600)).rejects.toThrow(`sftp to root@127.0.0.1:${server.port}: /missing/f: `);
    expect(existsSync(join(server.sftpRoot, 'missing'))).toBe(false);
  });
});
