import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../harness/model/errors.js';
import { loadCredentials } from '../../../../platforms/shared/ssh/credentials.js';
import { makeKey } from './keys.js';
import { tempDir } from './test-server.js';

function keyFile(text: string): string {
  const file = join(tempDir(), 'id');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe('loadCredentials', () => {
  it('wants a key file or an agent', async () => {
    await expect(loadCredentials({}, {})).rejects.toThrow(new UsageError('--identity', 'no SSH credentials: give --identity <private key file>, or run ssh-agent and set SSH_AUTH_SOCK'));
  });

  it('reads a key file and says what it offers', async () => {
    const key = makeKey();
    const identity = keyFile(key.private);
    const credentials = await loadCredentials({ identity, agent: '/run/agent.sock' }, {});
    expect(credentials.privateKey?.toString()).toBe(key.private);
    expect(credentials.agent).toBe('/run/agent.sock');
    expect(credentials.offered).toBe(`key ${identity}, agent /run/agent.sock`);
  });

  it('takes the passphrase of an encrypted key from HARNESS_SSH_PASSPHRASE, and says when it is missing or wrong', async () => {
    const identity = keyFile(makeKey({ passphrase: 'pw' }).private);
    await expect(loadCredentials({ identity }, {})).rejects.toThrow(`${identity}: the private key is encrypted; set HARNESS_SSH_PASSPHRASE to its passphrase`);
    await expect(loadCredentials({ identity }, { HARNESS_SSH_PASSPHRASE: 'nope' })).rejects.toThrow(`${identity}: HARNESS_SSH_PASSPHRASE does not decrypt the private key`);
    expect((await loadCredentials({ identity }, { HARNESS_SSH_PASSPHRASE: 'pw' })).passphrase).toBe('pw');
  });

  it('refuses a public key or something that is no key', async () => {
    await expect(loadCredentials({ identity: keyFile(makeKey().public) }, {})).rejects.toThrow('this is a public key');
    await expect(loadCredentials({ identity: keyFile('hello') }, {})).rejects.toThrow('not a private key the harness can use');
  });
});
