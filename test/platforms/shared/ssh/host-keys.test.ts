import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SshEndpoint } from '../../../../platforms/shared/ssh/endpoint.js';
import { checkHostKey, fingerprintOf, type HostKeyCheck } from '../../../../platforms/shared/ssh/host-keys.js';
import { makeKey, type TestKey } from './keys.js';

const hasSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
const ON_22: SshEndpoint = { user: 'root', host: 'build.example.com', port: 22 };
const ON_2222: SshEndpoint = { user: 'root', host: '127.0.0.1', port: 2222 };

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-hostkeys-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function knownHosts(lines: string[]): HostKeyCheck & { files: string[] } {
  const file = join(tempDir(), 'known_hosts');
  writeFileSync(file, lines.join('\n') + '\n');
  return { kind: 'known-hosts', files: [file] };
}

const line = (hosts: string, key: TestKey) => `${hosts} ${key.public}`;
const check = (c: HostKeyCheck, endpoint: SshEndpoint, key: TestKey) => checkHostKey(c, endpoint, key.blob, key.type);

/** What `ssh-keygen -H` writes for a host: HMAC-SHA1 of the name, keyed by a random salt. */
function hashedHost(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('fingerprintOf', () => {
  it('matches a vector ssh-keygen -lf printed', () => {
    const blob = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIKwL6jmicM1xFV+jNzxaAg9VBjN2l2IeXB43Gf3r1TxY', 'base64');
    expect(fingerprintOf(blob)).toBe('SHA256:3gV8BAOwRZZdZtWo8UYm1qhmEgqkBuK0qE668Loim7c');
  });

  it.skipIf(!hasSshKeygen)('matches ssh-keygen -lf for a fresh key', () => {
    const key = makeKey();
    const file = join(tempDir(), 'key.pub');
    writeFileSync(file, key.public + '\n');
    const printed = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(key.blob)).toBe(printed);
  });
});

describe('known_hosts', () => {
  const key = makeKey();
  const other = makeKey();

  it('accepts a plain entry, and a key it does not list is a mismatch naming both fingerprints and the line', () => {
    const c = knownHosts(['# a comment', '', line('build.example.com', key)]);
    expect(check(c, ON_22, key)).toEqual({ ok: true, fingerprint: fingerprintOf(key.blob) });
    const refused = check(c, ON_22, other);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.reason).toContain('host key mismatch for root@build.example.com:22');
    expect(refused.reason).toContain(`presented ssh-ed25519 ${fingerprintOf(other.blob)}`);
    expect(refused.reason).toContain(`expected ssh-ed25519 ${fingerprintOf(key.blob)} (${c.files[0]}:3)`);
  });

  it('matches hashed entries computed as ssh-keygen -H does', () => {
    const c = knownHosts([line(hashedHost('build.example.com'), key), line(hashedHost('[127.0.0.1]:2222'), other)]);
    expect(check(c, ON_22, key).ok).toBe(true);
    expect(check(c, ON_2222, other).ok).toBe(true);
    expect(check(c, { ...ON_22, host: 'other.example.com' }, key).ok).toBe(false);
  });

  it.skipIf(!hasSshKeygen)('matches entries hashed by ssh-keygen -H itself', () => {
    const c = knownHosts([line('build.example.com', key), line('[127.0.0.1]:2222', other)]);
    execFileSync('ssh-keygen', ['-H', '-f', c.files[0]!], { stdio: 'ignore' });
    expect(readFileSync(c.files[0]!, 'utf8')).not.toContain('example.com');
    expect(check(c, ON_22, key).ok).toBe(true);
    expect(check(c, ON_2222, other).ok).toBe(true);
  });

  it('files non-22 ports under [host]:port only', () => {
    expect(check(knownHosts([line('[127.0.0.1]:2222', key)]), ON_2222, key).ok).toBe(true);
    expect(check(knownHosts([line('127.0.0.1', key)]), ON_2222, key).ok).toBe(false);
    expect(check(knownHosts([line('[build.example.com]:2222', key)]), ON_22, key).ok).toBe(false);
  });

  it('reads comma lists, wildcards and negations, case-insensitively', () => {
    const c = knownHosts([line('alpha,Build.Example.COM,10.0.0.5', key), line('*.lab,!bad.lab', other)]);
    expect(check(c, ON_22, key).ok).toBe(true);
    expect(check(c, { ...ON_22, host: '10.0.0.5' }, key).ok).toBe(true);
    expect(check(c, { ...ON_22, host: 'rpi.lab' }, other).ok).toBe(true);
    const negated = check(c, { ...ON_22, host: 'bad.lab' }, other);
    expect(negated.ok === false && negated.reason).toContain('unknown host key');
  });

  it('refuses a revoked key even where another line lists it, and ignores @cert-authority', () => {
    const revoked = knownHosts([line('build.example.com', key), `@revoked * ${key.public}`]);
    const verdict = check(revoked, ON_22, key);
    expect(verdict.ok === false && verdict.reason).toContain(`is revoked: ssh-ed25519 ${fingerprintOf(key.blob)} (@revoked at ${revoked.files[0]}:2)`);
    const ca = check(knownHosts([`@cert-authority build.example.com ${key.public}`]), ON_22, key);
    expect(ca.ok === false && ca.reason).toContain('unknown host key');
  });

  it('passes over lines it cannot read and keeps counting lines', () => {
    const c = knownHosts(['build.example.com ssh-ed25519 !!notbase64', 'build.example.com ssh-rsa ' + key.public.split(' ')[1], '@bogus build.example.com ' + key.public, line('build.example.com', key)]);
    const verdict = check(c, ON_22, other);
    expect(verdict.ok === false && verdict.reason).toContain(`(${c.files[0]}:4)`);
  });

  it('says how to trust an unknown host, and which files it searched', () => {
    const c = knownHosts([line('elsewhere', key)]);
    const missing = join(tempDir(), 'absent');
    const verdict = check({ kind: 'known-hosts', files: [...c.files, missing] }, ON_22, key);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toContain(`unknown host key for root@build.example.com:22: ssh-ed25519 ${fingerprintOf(key.blob)}`);
    expect(verdict.reason).toContain(`${c.files[0]}, ${missing} (not found)`);
    expect(verdict.reason).toContain(`--known-hosts <file>, --host-key ${fingerprintOf(key.blob)}, or --trust-on-first-use`);
  });

  it('refuses when a known_hosts file cannot be read', () => {
    const verdict = check({ kind: 'known-hosts', files: [tempDir()] }, ON_22, key);
    expect(verdict.ok === false && verdict.reason).toContain('cannot read known_hosts file');
  });
});

describe('pinned', () => {
  const key = makeKey();
  it('accepts a listed fingerprint, padded or not, and shows both otherwise', () => {
    const fp = fingerprintOf(key.blob);
    expect(check({ kind: 'pinned', fingerprints: ['SHA256:nope', fp] }, ON_22, key).ok).toBe(true);
    expect(check({ kind: 'pinned', fingerprints: [`${fp}=`] }, ON_22, key).ok).toBe(true);
    const verdict = check({ kind: 'pinned', fingerprints: ['SHA256:nope'] }, ON_22, key);
    expect(verdict.ok === false && verdict.reason).toContain(`presented ssh-ed25519 ${fp}, expected SHA256:nope (--host-key)`);
  });
});

describe('trust on first use', () => {
  it('records an unknown key once in a 0600 file, then refuses a different one', () => {
    const file = join(tempDir(), 'state', 'known_hosts');
    const first = makeKey();
    const second = makeKey();
    expect(check({ kind: 'tofu', file }, ON_2222, first)).toEqual({ ok: true, fingerprint: fingerprintOf(first.blob), learned: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:2222 ${first.public.split(' ').slice(0, 2).join(' ')}\n`);
    expect(check({ kind: 'tofu', file }, ON_2222, first)).toEqual({ ok: true, fingerprint: fingerprintOf(first.blob) });
    const verdict = check({ kind: 'tofu', file }, ON_2222, second);
    expect(verdict.ok === false && verdict.reason).toContain(`presented ssh-ed25519 ${fingerprintOf(second.blob)}, expected ssh-ed25519 ${fingerprintOf(first.blob)} (${file}:1)`);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2);
  });
});
