import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHostKeyBlock } from '../../../harness/console/host-key-block.js';

const dir = mkdtempSync(join(tmpdir(), 'host-key-block-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh key and its fingerprint as ssh-keygen (not our code) computes it. */
function key(type: 'ed25519' | 'ecdsa' | 'rsa', bits?: number) {
  const pair = utils.generateKeyPairSync(type, bits === undefined ? {} : { bits });
  const file = join(dir, `${type}-${Math.random()}.pub`);
  writeFileSync(file, `${pair.public}\n`);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ')[1]!;
  const [keyType, base64] = pair.public.split(' ') as [string, string];
  return { keyType, base64, fingerprint };
}

const ed = key('ed25519');
const ec = key('ecdsa', 256);
const rsa = key('rsa', 2048);

/** What cloud-init writes to the console on EC2, with its `ec2: ` prefix and a syslog stamp. */
const CLOUD_INIT = [
  '[   14.201] cloud-init[612]: Cloud-init v. 23.1 finished',
  '<14>Dec  1 09:00:01 ec2: #############################################################',
  '<14>Dec  1 09:00:01 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
  `<14>Dec  1 09:00:01 ec2: 256 ${ec.fingerprint} root@ip-172-31-9-105 (ECDSA)`,
  `<14>Dec  1 09:00:02 ec2: 256 ${ed.fingerprint} root@ip-172-31-9-105 (ED25519)`,
  `<14>Dec  1 09:00:02 ec2: 2048 ${rsa.fingerprint} root@ip-172-31-9-105 (RSA)`,
  '<14>Dec  1 09:00:02 ec2: -----END SSH HOST KEY FINGERPRINTS-----',
  '-----BEGIN SSH HOST KEY KEYS-----',
  `${ec.keyType} ${ec.base64} root@ip-172-31-9-105`,
  `${ed.keyType} ${ed.base64} root@ip-172-31-9-105\r`,
  '-----END SSH HOST KEY KEYS-----',
].join('\n');

describe('parseHostKeyBlock', () => {
  it('reads both cloud-init blocks behind per-line prefixes, fingerprints matching ssh-keygen', () => {
    expect(parseHostKeyBlock(CLOUD_INIT)).toEqual([
      { type: 'ecdsa-sha2-nistp256', fingerprint: ec.fingerprint, publicKey: ec.base64 },
      { type: 'ssh-ed25519', fingerprint: ed.fingerprint, publicKey: ed.base64 },
      { type: 'ssh-rsa', fingerprint: rsa.fingerprint },
    ]);
  });

  it('computes the fingerprint of a key printed whole', () => {
    const text = `-----BEGIN SSH HOST KEY KEYS-----\n${ed.keyType} ${ed.base64}\n-----END SSH HOST KEY KEYS-----\n`;
    expect(parseHostKeyBlock(text)).toEqual([{ type: 'ssh-ed25519', fingerprint: ed.fingerprint, publicKey: ed.base64 }]);
  });

  it('ignores a block that never ends: a cut-off key would pin the wrong key', () => {
    expect(parseHostKeyBlock(CLOUD_INIT.split('\n').slice(0, 5).join('\n'))).toEqual([]);
  });

  it('ignores MD5 fingerprints, lines outside a block, and a key whose blob names another type', () => {
    const text = [
      `256 ${ed.fingerprint} root@x (ED25519)`,
      '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
      '1024 MD5:6a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9 root@x (DSA)',
      '-----END SSH HOST KEY FINGERPRINTS-----',
      '-----BEGIN SSH HOST KEY KEYS-----',
      `ssh-rsa ${ed.base64}`,
      '-----END SSH HOST KEY KEYS-----',
    ].join('\n');
    expect(parseHostKeyBlock(text)).toEqual([]);
  });

  it('drops a block of more lines than a guest has keys, and stays linear on a huge line', () => {
    const flood = ['-----BEGIN SSH HOST KEY FINGERPRINTS-----', ...Array.from({ length: 100 }, () => `256 ${ed.fingerprint} r (ED25519)`), '-----END SSH HOST KEY FINGERPRINTS-----'];
    expect(parseHostKeyBlock(flood.join('\n'))).toEqual([]);
    const started = performance.now();
    const hostile = ['-----BEGIN SSH HOST KEY FINGERPRINTS-----', `256 SHA256:${'A'.repeat(43)} ${'x '.repeat(500_000)}`, '-----END SSH HOST KEY FINGERPRINTS-----'];
    expect(parseHostKeyBlock(hostile.join('\n'))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps only the block kind it opened: an END of the other kind closes nothing useful', () => {
    const text = ['-----BEGIN SSH HOST KEY FINGERPRINTS-----', `256 ${ed.fingerprint} r (ED25519)`, '-----END SSH HOST KEY KEYS-----'].join('\n');
    expect(parseHostKeyBlock(text)).toEqual([]);
  });
});
