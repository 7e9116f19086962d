/** Keys made fresh for each test, in the forms the tests need. */
import { utils } from 'ssh2';

export interface TestKey {
  /** OpenSSH private key text. */
  private: string;
  /** "ssh-ed25519 AAAA… comment", as a .pub file holds it. */
  public: string;
  /** The raw public key blob a server presents. */
  blob: Buffer;
  type: string;
}

export function makeKey(options: { passphrase?: string } = {}): TestKey {
  const pair = options.passphrase
    ? utils.generateKeyPairSync('ed25519', { passphrase: options.passphrase, cipher: 'aes256-ctr', rounds: 4, comment: 'test' })
    : utils.generateKeyPairSync('ed25519', { comment: 'test' });
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  return { private: pair.private, public: pair.public, blob: parsed.getPublicSSH(), type: parsed.type };
}
