import { utils, type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ed25519Pair } from '../../../../platforms/shared/ssh/ed25519-pair.js';

describe('ed25519Pair', () => {
  it('never hands out a pair that cannot be read back (ssh2 alone spoils about one in 256)', () => {
    // 3000 draws meet ssh2's leading-zero case with probability 1 - (255/256)^3000 > 0.9999.
    const unreadable: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const pair = ed25519Pair({ comment: 'x' });
      const priv = utils.parseKey(pair.private);
      if (priv instanceof Error || !priv.isPrivateKey()) unreadable.push(pair.private);
      const pub = utils.parseKey(pair.public) as ParsedKey;
      if (!(priv instanceof Error) && !pub.getPublicSSH().equals(priv.getPublicSSH())) unreadable.push(pair.public);
    }
    expect(unreadable).toEqual([]);
  });

  it('signs with the private half what the public half verifies, passphrase or not', () => {
    const variants: utils.KeyPairOptions[] = [{}, { passphrase: 'pw', cipher: 'aes256-ctr', rounds: 2 }];
    for (const options of variants) {
      const pair = ed25519Pair(options);
      const priv = utils.parseKey(pair.private, 'pw') as ParsedKey;
      const pub = utils.parseKey(pair.public) as ParsedKey;
      const data = Buffer.from('harness');
      expect(pub.verify(data, priv.sign(data))).toBe(true);
    }
  });
});
