/** Keys made fresh for each test, in the forms the tests need. */
import { utils, type ParsedKey } from 'ssh2';
import { ed25519Pair } from '../../../../platforms/shared/ssh/ed25519-pair.js';

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
  const { passphrase } = options;
  const pair = ed25519Pair(passphrase ? { passphrase, cipher: 'aes256-ctr', rounds: 4, comment: 'test' } : { comment: 'test' });
  const parsed = utils.parseKey(pair.public) as ParsedKey;
  return { private: pair.private, public: pair.public, blob: parsed.getPublicSSH(), type: parsed.type };
}
