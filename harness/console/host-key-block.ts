/**
 * The SSH host keys a guest prints on its console in cloud-init's format, so that a host can pin the
 * key before its first connection. The bundled ssh images print it at every boot; cloud-init prints
 * it on cloud consoles, where each line may carry a prefix ("ec2: ", a journal stamp), so nothing here
 * is anchored to the start of a line.
 *
 *   -----BEGIN SSH HOST KEY FINGERPRINTS-----
 *   256 SHA256:<base64> root@host (ED25519)
 *   -----END SSH HOST KEY FINGERPRINTS-----
 *   -----BEGIN SSH HOST KEY KEYS-----
 *   ssh-ed25519 AAAA... root@host
 *   -----END SSH HOST KEY KEYS-----
 */
import { createHash } from 'node:crypto';

export interface HostKey {
  /** As ssh-keygen names the type in the fingerprint block: ED25519, ECDSA, RSA, DSA, ED25519-SK, ECDSA-SK. */
  type: string;
  /** OpenSSH's form, `SHA256:` and the unpadded base64 of the key blob's SHA-256. */
  fingerprint: string;
  /** `<algorithm> <base64 blob>`, without the comment, when the keys block lists the key. */
  publicKey?: string;
}

const FINGERPRINTS = 'SSH HOST KEY FINGERPRINTS';
const KEYS = 'SSH HOST KEY KEYS';

/** `<bits> SHA256:<b64> <comment> (<TYPE>)`; MD5 fingerprints of old ssh-keygens are too weak to pin and are passed over. */
const FINGERPRINT_LINE = /(?:^|\s)\d+ (SHA256:[A-Za-z0-9+/]{43})=? .*\(([A-Z0-9-]+)\)\s*$/;
const KEY_LINE = /(?:^|\s)((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+) (AAAA[A-Za-z0-9+/]+={0,3})(?:\s|$)/;

/** OpenSSH's SHA256 fingerprint of a key blob (the wire-format public key). */
export function fingerprintOf(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The host keys of the last fingerprints block and the last keys block in `text`, which should be one
 * boot's console: a block printed again supersedes the one before it, and a last block still missing
 * its END line gives nothing (its keys may not all be there yet) rather than an earlier block's keys.
 * A key listed in both comes once, with its public key; one listed only as a key gets its fingerprint
 * computed, so a guest that cannot compute SHA256 may print the keys block alone. A key line whose
 * blob is not a whole key (a kernel message written into the middle of it) is skipped.
 */
export function parseHostKeyBlock(text: string): HostKey[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const keys: HostKey[] = [];
  for (const line of lastBlock(lines, FINGERPRINTS)) {
    const m = FINGERPRINT_LINE.exec(line);
    if (m && !keys.some((k) => k.fingerprint === m[1])) keys.push({ type: m[2]!, fingerprint: m[1]! });
  }
  for (const line of lastBlock(lines, KEYS)) {
    const m = KEY_LINE.exec(line);
    if (!m) continue;
    const [, algorithm, b64] = m as unknown as [string, string, string];
    const blob = Buffer.from(b64, 'base64');
    if (!wholeKey(blob, algorithm)) continue;
    const fingerprint = fingerprintOf(blob);
    const publicKey = `${algorithm} ${b64}`;
    const known = keys.find((k) => k.fingerprint === fingerprint);
    if (known) known.publicKey = publicKey;
    else keys.push({ type: typeOfAlgorithm(algorithm), fingerprint, publicKey });
  }
  return keys;
}

function lastBlock(lines: readonly string[], name: string): string[] {
  let begin = lines.length - 1;
  while (begin >= 0 && !lines[begin]!.includes(`-----BEGIN ${name}-----`)) begin--;
  if (begin < 0) return [];
  const end = lines.findIndex((l, i) => i > begin && l.includes(`-----END ${name}-----`));
  return end < 0 ? [] : lines.slice(begin + 1, end);
}

/**
 * Whether a blob is a whole wire-format public key for `algorithm`: length-prefixed fields, the first
 * naming the algorithm, that end exactly where the blob does (a cut-off key does not).
 */
function wholeKey(blob: Buffer, algorithm: string): boolean {
  const fields: Buffer[] = [];
  let at = 0;
  while (at + 4 <= blob.length) {
    const end = at + 4 + blob.readUInt32BE(at);
    if (end > blob.length) return false;
    fields.push(blob.subarray(at + 4, end));
    at = end;
  }
  return at === blob.length && fields.length >= 2 && fields[0]!.toString('latin1') === algorithm;
}

function typeOfAlgorithm(algorithm: string): string {
  if (algorithm === 'ssh-ed25519') return 'ED25519';
  if (algorithm === 'sk-ssh-ed25519@openssh.com') return 'ED25519-SK';
  if (algorithm.startsWith('sk-ecdsa-')) return 'ECDSA-SK';
  if (algorithm.startsWith('ecdsa-')) return 'ECDSA';
  if (algorithm === 'ssh-rsa') return 'RSA';
  if (algorithm === 'ssh-dss') return 'DSA';
  return algorithm.toUpperCase();
}
