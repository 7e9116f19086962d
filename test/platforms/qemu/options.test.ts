import { describe, expect, it } from 'vitest';
import { parseSize, qemuSettings } from '../../../platforms/qemu/options.js';
import { usageMessage as usage } from '../../support/usage-error.js';

describe('qemuSettings', () => {
  it('has defaults that boot the bundled images as before', () => {
    expect(qemuSettings({})).toEqual({
      channel: 'virtio', cpus: 1, memoryMiB: 512, disks: [], diskBus: 'virtio-blk', networking: 'none', publish: [], firmware: 'auto', login: { kind: 'console' }, snapshot: true,
    });
  });

  it('reads disks, ports, CPUs and memory', () => {
    const s = qemuSettings({ disk: ['size=1G', 'file=/x/d.qcow2'], publish: ['8080:80'], cpus: '2', mem: '1.5G', diskBus: 'virtio-scsi' });
    expect(s.disks).toEqual([{ kind: 'new', bytes: 2 ** 30 }, { kind: 'file', path: '/x/d.qcow2' }]);
    expect(s.publish).toEqual([{ host: 8080, guest: 80 }]);
    expect(s.networking).toBe('user');
    expect([s.cpus, s.memoryMiB, s.diskBus]).toEqual([2, 1536, 'virtio-scsi']);
    expect(parseSize('512', '--mem', 2 ** 20)).toBe(512 * 2 ** 20);
  });

  it('names the flag of every bad value', () => {
    expect(usage(() => qemuSettings({ disk: ['1G'] }))).toMatch(/^--disk: "1G" is neither size=SIZE nor file=PATH/);
    expect(usage(() => qemuSettings({ disk: ['size=lots'] }))).toMatch(/^--disk: "lots" is not a size/);
    expect(usage(() => qemuSettings({ publish: ['80'] }))).toMatch(/^--publish: "80" is not host:guest/);
    expect(usage(() => qemuSettings({ publish: ['70000:22'] }))).toMatch(/^--publish: "70000" is not a TCP port/);
    expect(usage(() => qemuSettings({ publish: ['2222:22', '2222:80'] }))).toMatch(/^--publish: host port 2222 is published twice/);
    expect(usage(() => qemuSettings({ publish: ['2222:22'], networking: 'none' }))).toMatch(/^--networking: none, but --publish/);
    expect(usage(() => qemuSettings({ networking: 'tap' }))).toMatch(/^--networking: unknown value "tap"/);
    expect(usage(() => qemuSettings({ cpus: '0' }))).toMatch(/^--cpus:/);
    expect(usage(() => qemuSettings({ mem: '16M' }))).toMatch(/^--mem: 16 MiB is too little/);
    expect(usage(() => qemuSettings({ diskBus: 'ide' }))).toMatch(/^--disk-bus: unknown value "ide"/);
    expect(usage(() => qemuSettings({ firmware: 'coreboot' }))).toMatch(/^--firmware:/);
    expect(usage(() => qemuSettings({ channel: 'tcp' }))).toMatch(/^--channel:/);
  });

  it('takes a console password only from the environment, for a named user', () => {
    const s = qemuSettings({ loginUser: 'root', loginPasswordEnv: 'ROOT_PW' }, { ROOT_PW: 'hunter22' });
    expect(s.login).toEqual({ kind: 'console', user: 'root', password: 'hunter22' });
    expect(usage(() => qemuSettings({ loginPasswordEnv: 'ROOT_PW' }, { ROOT_PW: 'x' }))).toMatch(/^--login-password-env: needs --login-user/);
    expect(usage(() => qemuSettings({ loginUser: 'root', loginPasswordEnv: 'NOPE' }, {}))).toMatch(/^--login-password-env: the environment variable NOPE is not set/);
    expect(usage(() => qemuSettings({ loginUser: 'root;reboot' }))).toMatch(/^--login-user:/);
  });

  it('needs a key for ssh, and user networking with it', () => {
    expect(qemuSettings({ login: 'ssh', identity: '/k' })).toMatchObject({ login: { kind: 'ssh', user: 'root', identity: '/k', guestPort: 22 }, networking: 'user' });
    expect(usage(() => qemuSettings({ login: 'ssh' }))).toMatch(/^--login: ssh needs --identity/);
    expect(usage(() => qemuSettings({ login: 'ssh', identity: '/k', hostKey: 'MD5:00' }))).toMatch(/^--host-key:/);
    // --identity is the SSH platform's too: a run with both kinds gives it without --login ssh.
    expect(qemuSettings({ identity: '/k' }).login).toEqual({ kind: 'console' });
    expect(usage(() => qemuSettings({ login: 'telnet' }))).toMatch(/^--login: unknown value/);
  });
});
