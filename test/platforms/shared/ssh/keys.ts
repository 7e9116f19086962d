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

function generate(passphrase: string | undefined) {
  return passphrase
    ? utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4, comment: 'test' })
    : utils.generateKeyPairSync('ed25519', { comment: 'test' });
}

export function makeKey(options: { passphrase?: string } = {}): TestKey {
  // ssh2 1.17 drops a leading zero byte of the ed25519 public key (about one key in 256), and then
  // cannot read the key it wrote; draw again rather than let a test fail by chance.
  for (;;) {
    const pair = generate(options.passphrase);
    const parsed = utils.parseKey(pair.public);
    if (!(parsed instanceof Error) && parsed.getPublicSSH().length === 51) {
      return { private: pair.private, public: pair.public, blob: parsed.getPublicSSH(), type: parsed.type };
    }
  }
}
