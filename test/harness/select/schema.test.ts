import { describe, expect, it } from 'vitest';
import { checkCaseFile } from '../../../harness/select/schema.js';

const probe = { name: 'probe', run: '/case/test.sh' };

describe('checkCaseFile', () => {
  it('fills in the defaults and turns a run string into sh -c', () => {
    expect(checkCaseFile({ summary: 'x', containers: [probe] })).toEqual({
      ok: true,
      value: {
        name: undefined,
        summary: 'x',
        labels: [],
        arch: ['x86_64', 'arm64', 's390x'],
        platforms: ['qemu', 'ssh', 'cloud', 'board'],
        timeoutMs: 60_000,
        freshMachine: false,
        imageRunsOwnTests: false,
        result: 'tap',
        privileged: false,
        capabilities: [],
        image: undefined,
        containers: [{ name: 'probe', rootfs: 'base', run: ['/bin/sh', '-c', '/case/test.sh'], env: {} }],
      },
    });
  });

  it('reads privileged and capabilities, keeping only what goes beyond the default profile', () => {
    const check = checkCaseFile({ summary: 'x', privileged: true, capabilities: ['CAP_NET_ADMIN', 'CAP_CHOWN'], containers: [{ name: 'a', run: 'x' }] });
    expect(check).toMatchObject({ ok: true, value: { privileged: true, capabilities: ['CAP_NET_ADMIN'] } });
  });

  it('refuses a capability Linux does not have, and one listed twice', () => {
    const check = checkCaseFile({ summary: 'x', capabilities: ['NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_SYS_ADMIN'], containers: [{ name: 'a', run: 'x' }] });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['capabilities.0', '"NET_ADMIN" is not a Linux capability (write it as CAP_NET_ADMIN)'],
      ['capabilities.2', '"CAP_SYS_ADMIN" is listed twice'],
    ]);
  });

  it('reads the runtime a case names, and refuses one the agents do not know', () => {
    expect(checkCaseFile({ summary: 'x', runtime: 'unshare', containers: [probe] })).toMatchObject({ ok: true, value: { runtime: 'unshare' } });
    expect(checkCaseFile({ summary: 'x', runtime: 'docker', containers: [probe] })).toEqual({
      ok: false,
      issues: [{ path: ['runtime'], message: '"docker" is not one of crun, runc, unshare' }],
    });
  });

  it('keeps an argv list and reads every key', () => {
    const check = checkCaseFile({
      name: 'net.lo_2',
      summary: 'y',
      labels: ['net', 'Smoke:fast'],
      arch: ['arm64'],
      platforms: ['qemu', 'board'],
      timeout: 90,
      'fresh-machine': true,
      containers: [{ name: 'a', rootfs: 'alpine', run: ['/bin/echo', 'hi'], env: { FOO_1: 'bar' } }],
    });
    expect(check).toMatchObject({
      ok: true,
      value: {
        name: 'net.lo_2',
        labels: ['net', 'Smoke:fast'],
        arch: ['arm64'],
        platforms: ['qemu', 'board'],
        timeoutMs: 90_000,
        freshMachine: true,
        containers: [{ name: 'a', rootfs: 'alpine', run: ['/bin/echo', 'hi'], env: { FOO_1: 'bar' } }],
      },
    });
  });

  it('accepts an image case without containers', () => {
    const check = checkCaseFile({ summary: 'z', 'image-runs-own-tests': true, image: 'fixture:selftest' });
    expect(check).toMatchObject({ ok: true, value: { imageRunsOwnTests: true, image: 'fixture:selftest', containers: [] } });
  });

  it('reads how a case is judged: TAP by default, exit-code or linuxkit when it says so', () => {
    const containers = [{ name: 'a', run: '/case/check.sh' }];
    expect(checkCaseFile({ summary: 'z', containers })).toMatchObject({ ok: true, value: { result: 'tap' } });
    expect(checkCaseFile({ summary: 'z', result: 'exit-code', containers })).toMatchObject({ ok: true, value: { result: 'exit-code' } });
    const image = { summary: 'z', 'image-runs-own-tests': true, image: 'fixture:selftest' };
    expect(checkCaseFile({ ...image, result: 'linuxkit' })).toMatchObject({ ok: true, value: { result: 'linuxkit' } });
    expect(checkCaseFile({ summary: 'z', result: 'rtf', containers })).toEqual({
      ok: false,
      issues: [{ path: ['result'], message: '"rtf" is not one of tap, exit-code, linuxkit' }],
    });
    expect(checkCaseFile({ ...image, result: 'exit-code' })).toEqual({
      ok: false,
      issues: [{ path: ['result'], message: 'an image that runs its own tests has no exit code to judge: use tap or linuxkit' }],
    });
  });

  it('reports every issue with its path', () => {
    expect(
      checkCaseFile({
        name: 'Bad Name',
        labels: ['!no', 'a b'],
        arch: ['x86_64', 'x86_64'],
        platforms: [],
        timeout: '0s',
        containers: [{ name: 'a', run: '', env: { '1X': 'v', HARNESS_CASE: 'v' } }],
      }),
    ).toEqual({
      ok: false,
      issues: [
        { path: ['name'], message: 'use 1-63 of a-z 0-9 . _ -, starting with a letter or digit' },
        { path: ['summary'], message: 'required' },
        { path: ['labels', 0], message: 'labels have no spaces or commas and do not start with !' },
        { path: ['labels', 1], message: 'labels have no spaces or commas and do not start with !' },
        { path: ['arch', 1], message: '"x86_64" is listed twice' },
        { path: ['platforms'], message: 'must list at least one' },
        { path: ['timeout'], message: 'must be longer than 0' },
        { path: ['containers', 0, 'run'], message: 'must not be empty' },
        {
          path: ['containers', 0, 'env', '1X'],
          message: 'environment variable names use A-Z a-z 0-9 _, not starting with a digit',
        },
        { path: ['containers', 0, 'env', 'HARNESS_CASE'], message: 'HARNESS_* variables are set by the harness' },
      ],
    });
  });

  it('rejects a name longer than a hostname may be', () => {
    expect(checkCaseFile({ name: 'a'.repeat(64), summary: 's', containers: [probe] })).toMatchObject({
      ok: false,
      issues: [{ path: ['name'] }],
    });
    expect(checkCaseFile({ name: 'a'.repeat(63), summary: 's', containers: [probe] }).ok).toBe(true);
  });

  it.each([
    ['/abs/image', '"/abs/image" must be a LinuxKit image prefix relative to the case folder, or fixture:<name>'],
    ['build/', '"build/" must be a LinuxKit image prefix relative to the case folder, or fixture:<name>'],
    ['../build/linuxkit', '"../build/linuxkit" must stay inside the case folder: ".." is not allowed'],
    ['fixture:Self Test', '"fixture:Self Test" is not a fixture name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit'],
  ])('rejects the image %j', (image, message) => {
    expect(checkCaseFile({ summary: 's', 'image-runs-own-tests': true, image })).toEqual({
      ok: false,
      issues: [{ path: ['image'], message }],
    });
  });

  it('reports a non-mapping document at the root', () => {
    expect(checkCaseFile(['a'])).toEqual({
      ok: false,
      issues: [{ path: [], message: 'expected a mapping, got a list' }],
    });
  });

  it('suggests the spelling of a near-miss key', () => {
    expect(checkCaseFile({ summary: 's', freshMachine: true, containers: [{ ...probe, Env: {} }] })).toEqual({
      ok: false,
      issues: [
        { path: ['containers', 0, 'Env'], atKey: true, message: 'unknown key: did you mean env?' },
        { path: ['freshMachine'], atKey: true, message: 'unknown key: did you mean fresh-machine?' },
      ],
    });
  });
});
