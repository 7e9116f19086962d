import { describe, expect, it } from 'vitest';
import { fingerprintOf, parseHostKeyBlock } from '../../../harness/console/host-key-block.js';

/** Debian 12's `dropbearkey -y` printed this key and fingerprint. */
const DROPBEAR = {
  key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILg868q0UXvx7S9+KC7fPO1kgWyVyRWJroSA5PUZnglF',
  fingerprint: 'SHA256:HraFFfoIgxx1eRK8eqiO6n0VBuGtunhI2St/371ly2k',
};

/** Keys from ssh-keygen 9.2, with the fingerprints `ssh-keygen -l` gave for them. */
const OPENSSH = [
  {
    type: 'ED25519',
    fingerprint: 'SHA256:WU1Tt/t7wDX7FyRpqGzkh3HYy01dPvw4lbWOu0LewP4',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA8YeM9uV8pnyj78URZUfxQhrLgoXxh1AHHmw7MipYia',
    bits: 256,
  },
  {
    type: 'ECDSA',
    fingerprint: 'SHA256:FxjSxUqP7738pHiR0r8Lq8Y5nbnxiVzkxHe1kUYgCCE',
    publicKey:
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPvBikogKPoiYB1os8aiCOk2aE65TtUqMqtYI/bstRKXX76spM/9sq+UDgfVqoSHVy42XlYMV1y2Hf3b4zwgj68=',
    bits: 256,
  },
  {
    type: 'RSA',
    fingerprint: 'SHA256:5MWLItfsvrjXlMOzVanvyVstxCLTzL9U6p0aC77PW14',
    publicKey:
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDJN/e4QhAGxGtAuuLodXK/VDHGNFWv4yb4thtyfKHES8SPXsg5Z4ZXExWZCYPAJSjFMehyJX0uCfbKCvudjZojkn0R11o41CIHVdrdY4ZKMEZEuNKqrHZYcUuSBxe7ii74AfKM4atCMAGW3QFzpIqyY2N8qQ33TktCoxzaJxt7dw==',
    bits: 1024,
  },
];
const HOST = 'root@ip-172-31-5-9';

const fingerprintsBlock = (keys: { bits: number; fingerprint: string; type: string }[], prefix = '') =>
  [
    `${prefix}-----BEGIN SSH HOST KEY FINGERPRINTS-----`,
    ...keys.map((k) => `${prefix}${k.bits} ${k.fingerprint} ${HOST} (${k.type})`),
    `${prefix}-----END SSH HOST KEY FINGERPRINTS-----`,
  ].join('\n');
const keysBlock = (keys: { publicKey: string }[]) =>
  ['-----BEGIN SSH HOST KEY KEYS-----', ...keys.map((k) => `${k.publicKey} ${HOST}`), '-----END SSH HOST KEY KEYS-----'].join('\n');

describe('parseHostKeyBlock', () => {
  it('reads the bundled ssh image’s block, and computes the fingerprint dropbear printed', () => {
    const text = [
      '[    3.201442] virtio_net virtio1 eth0: renamed',
      '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
      `256 ${DROPBEAR.fingerprint} root@harness-ssh (ED25519)`,
      '-----END SSH HOST KEY FINGERPRINTS-----',
      '-----BEGIN SSH HOST KEY KEYS-----',
      `${DROPBEAR.key} root@harness-ssh`,
      '-----END SSH HOST KEY KEYS-----',
      'harness-ssh: ready',
    ].join('\n');
    expect(parseHostKeyBlock(text)).toEqual([{ type: 'ED25519', fingerprint: DROPBEAR.fingerprint, publicKey: DROPBEAR.key }]);
    expect(fingerprintOf(Buffer.from(DROPBEAR.key.split(' ')[1]!, 'base64'))).toBe(DROPBEAR.fingerprint);
  });

  it('reads cloud-init’s blocks behind the prefixes a cloud console adds, CRLF line ends included', () => {
    // The shape of EC2's console output: the fingerprints come through syslog with "<14>... ec2: ".
    const text = [
      '[   25.376151] cloud-init[1012]: Cloud-init v. 22.2.2 running \'modules:final\'',
      '<14>Dec  1 09:00:00 ec2: #############################################################',
      fingerprintsBlock(OPENSSH, '<14>Dec  1 09:00:00 ec2: '),
      '<14>Dec  1 09:00:00 ec2: #############################################################',
      keysBlock(OPENSSH),
    ]
      .join('\n')
      .replace(/\n/g, '\r\n');
    expect(parseHostKeyBlock(text)).toEqual(OPENSSH.map(({ type, fingerprint, publicKey }) => ({ type, fingerprint, publicKey })));
  });

  it('computes the fingerprints of a keys block printed alone, as ssh-keygen does', () => {
    expect(parseHostKeyBlock(keysBlock(OPENSSH))).toEqual(OPENSSH.map(({ type, fingerprint, publicKey }) => ({ type, fingerprint, publicKey })));
  });

  it('gives fingerprints without keys when only the fingerprints block is there', () => {
    expect(parseHostKeyBlock(fingerprintsBlock(OPENSSH.slice(0, 1)))).toEqual([{ type: 'ED25519', fingerprint: OPENSSH[0]!.fingerprint }]);
  });

  it('takes the last block of each kind, and nothing from one that has not ended yet', () => {
    const [ed, ecdsa] = OPENSSH as [(typeof OPENSSH)[0], (typeof OPENSSH)[0]];
    const firstBoot = `${fingerprintsBlock([ed])}\n${keysBlock([ed])}`;
    expect(parseHostKeyBlock(`${firstBoot}\n${fingerprintsBlock([ecdsa])}\n${keysBlock([ecdsa])}`).map((k) => k.type)).toEqual(['ECDSA']);
    const cut = `${keysBlock([ed])}\n-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 ${ecdsa.fingerprint} ${HOST} (ECDSA)\n`;
    expect(parseHostKeyBlock(cut)).toEqual([{ type: 'ED25519', fingerprint: ed.fingerprint, publicKey: ed.publicKey }]);
  });

  it('skips a key line a kernel message broke, MD5 fingerprints, and consoles without blocks', () => {
    const [ed] = OPENSSH as [(typeof OPENSSH)[0]];
    const [alg, b64] = ed.publicKey.split(' ') as [string, string];
    const broken = `${alg} ${b64.slice(0, 40)} [    4.1] random: crng init done\n${b64.slice(40)} ${HOST}`;
    const text = [
      '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
      `2048 5c:9b:3e:2f:6a:4d:1c:0e:9f:8a:7b:6c:5d:4e:3f:2a ${HOST} (RSA)`,
      '-----END SSH HOST KEY FINGERPRINTS-----',
      '-----BEGIN SSH HOST KEY KEYS-----',
      broken,
      `ssh-ed25519 ${Buffer.from('not a key blob at all').toString('base64').replace(/^/, 'AAAA')} ${HOST}`,
      '-----END SSH HOST KEY KEYS-----',
    ].join('\n');
    expect(parseHostKeyBlock(text)).toEqual([]);
    expect(parseHostKeyBlock('harness-init: ready\n')).toEqual([]);
  });
});
