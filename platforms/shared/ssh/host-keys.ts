import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatSshTarget, knownHostsName, type SshEndpoint } from './endpoint.js';
import { entryMatchesHost, knownHostsLine, parseKnownHosts, type KnownHostEntry } from './known-hosts.js';
import { fingerprintOf } from '../../../harness/console/host-key-block.js';

/**
 * How a server proves it is the host we mean. There is no "accept anything": trusting an unknown
 * key has to be asked for (`tofu`), and then the key is recorded so a later change is caught.
 */
export type HostKeyCheck =
  | { kind: 'known-hosts'; files: string[] }
  | { kind: 'pinned'; fingerprints: string[] }
  | { kind: 'tofu'; file: string };

export type HostKeyVerdict = { ok: true; fingerprint: string; learned?: boolean } | { ok: false; reason: string };

/** "SHA256:<base64 without padding>" of the raw public key blob, as `ssh-keygen -lf` prints it. */
export { fingerprintOf };

interface Presented {
  target: string;
  name: string;
  key: Buffer;
  keyType: string;
  fingerprint: string;
}

type Lookup = { kind: 'known' } | { kind: 'unknown' } | { kind: 'refused'; reason: string };

function where(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

function mismatch(p: Presented, expected: string[], fix: string): string {
  return `host key mismatch for ${p.target}: presented ${p.keyType} ${p.fingerprint}, expected ${expected.join(', ')}; ${fix}`;
}

/** What the known_hosts entries say of the presented key; a revoked key is refused for good. */
function lookUp(entries: KnownHostEntry[], p: Presented): Lookup {
  const matching = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, p.name));
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(p.key));
  if (revoked) return { kind: 'refused', reason: `host key of ${p.target} is revoked: ${p.keyType} ${p.fingerprint} (@revoked at ${where(revoked)})` };
  const known = matching.filter((e) => e.marker === undefined);
  if (known.some((e) => e.key.equals(p.key))) return { kind: 'known' };
  if (known.length === 0) return { kind: 'unknown' };
  const expected = known.map((e) => `${e.keyType} ${fingerprintOf(e.key)} (${where(e)})`);
  const fix = `if ${p.name} was rebuilt, drop the old key with ssh-keygen -R '${p.name}' -f ${known[0]!.file}`;
  return { kind: 'refused', reason: mismatch(p, expected, fix) };
}

/** The entries of one file; a missing file is empty (noted for the "unknown host" message). */
function readEntries(file: string): { entries: KnownHostEntry[]; missing: boolean } | { error: string } {
  try {
    return { entries: parseKnownHosts(readFileSync(file, 'utf8'), file), missing: false };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { entries: [], missing: true };
    return { error: `cannot read known_hosts file ${file}: ${e.message}` };
  }
}

function unknownHost(p: Presented, searched: string): string {
  return (
    `unknown host key for ${p.target}: ${p.keyType} ${p.fingerprint} is not in ${searched}; ` +
    `after checking the fingerprint out of band, trust it with --known-hosts <file>, --host-key ${p.fingerprint}, or --trust-on-first-use`
  );
}

/** Looks the key up in `files`: a verdict when they settle it, or what was searched when the host is unknown. */
function consult(files: string[], p: Presented): HostKeyVerdict | { unknownIn: string[] } {
  const entries: KnownHostEntry[] = [];
  const searched: string[] = [];
  for (const file of files) {
    const read = readEntries(file);
    if ('error' in read) return { ok: false, reason: `${read.error} (checking ${p.target})` };
    entries.push(...read.entries);
    searched.push(read.missing ? `${file} (not found)` : file);
  }
  const found = lookUp(entries, p);
  if (found.kind === 'known') return { ok: true, fingerprint: p.fingerprint };
  if (found.kind === 'refused') return { ok: false, reason: found.reason };
  return { unknownIn: searched };
}

function checkFiles(files: string[], p: Presented): HostKeyVerdict {
  const verdict = consult(files, p);
  if (!('unknownIn' in verdict)) return verdict;
  return { ok: false, reason: unknownHost(p, verdict.unknownIn.length ? verdict.unknownIn.join(', ') : 'any known_hosts file (none given)') };
}

/** Trust on first use: an unknown key is recorded in the harness's own file; a changed one is not. */
function checkTofu(file: string, p: Presented): HostKeyVerdict {
  const verdict = consult([file], p);
  if (!('unknownIn' in verdict)) return verdict;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, knownHostsLine(p.name, p.keyType, p.key), { mode: 0o600 });
  } catch (error) {
    return { ok: false, reason: `cannot record the host key of ${p.target} in ${file}: ${(error as Error).message}` };
  }
  return { ok: true, fingerprint: p.fingerprint, learned: true };
}

/** Judges the key a server presented; `reason` is a whole sentence that names the target. */
export function checkHostKey(check: HostKeyCheck, endpoint: SshEndpoint, keyBlob: Buffer, keyType: string): HostKeyVerdict {
  const p: Presented = { target: formatSshTarget(endpoint), name: knownHostsName(endpoint), key: keyBlob, keyType, fingerprint: fingerprintOf(keyBlob) };
  switch (check.kind) {
    case 'known-hosts':
      return checkFiles(check.files, p);
    case 'tofu':
      return checkTofu(check.file, p);
    case 'pinned': {
      const pins = check.fingerprints.map((f) => f.replace(/=+$/, ''));
      if (pins.includes(p.fingerprint)) return { ok: true, fingerprint: p.fingerprint };
      return { ok: false, reason: mismatch(p, pins.map((f) => `${f} (--host-key)`), 'on the host, ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub prints its fingerprint') };
    }
  }
}
