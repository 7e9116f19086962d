import type { utils } from 'ssh2';
import { ssh2 } from './ssh2-module.js';

/** An ed25519 public key blob: "ssh-ed25519" and the 32-byte key, each with its length. */
const BLOB_BYTES = 4 + 11 + 4 + 32;

/**
 * A fresh ed25519 pair in OpenSSH form. ssh2 1.17's generator strips every leading zero byte of the
 * public key, so about one pair in 256 comes out malformed and no SSH implementation, ssh2 included,
 * can read it; such a draw is discarded. Left in, it failed a CI run's every SSH login.
 */
export function ed25519Pair(options: utils.KeyPairOptions = {}): utils.KeyPairReturn {
  for (;;) {
    const pair = ssh2().utils.generateKeyPairSync('ed25519', options);
    const parsed = ssh2().utils.parseKey(pair.public);
    if (!(parsed instanceof Error) && parsed.getPublicSSH().length === BLOB_BYTES) return pair;
  }
}
