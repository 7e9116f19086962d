import { createHash } from 'node:crypto';

/** One SSH host key a guest announced on its console. */
export interface HostKey {
  /** The SSH key type name: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, … */
  type: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The key itself (base64 blob) when the guest printed it, not only its fingerprint. */
  publicKey?: string;
}

const BLOCKS = ['SSH HOST KEY FINGERPRINTS', 'SSH HOST KEY KEYS'] as const;
type BlockName = (typeof BLOCKS)[number];

/** Longer lines are no host key line; skipping them keeps the scan linear on hostile output. */
const MAX_LINE = 2048;
/** A block this long is not cloud-init's: a guest has a handful of host keys. */
const MAX_BLOCK_LINES = 64;

// cloud-init prints `256 SHA256:<43 chars> root@host (ED25519)`, behind prefixes that vary per line
// (`ec2: `, a syslog stamp), so lines are matched anywhere rather than after a fixed prefix.
const FINGERPRINT_LINE = /(?:^|\s)(\d{3,5}) SHA256:([A-Za-z0-9+/]{43}) (?:\S+ )*\(([A-Z0-9]{2,10})\)\s*$/;
const KEY_LINE = /(?:^|\s)((?:ssh|ecdsa|sk)-[a-z0-9@.-]{1,40}) (AAAA[A-Za-z0-9+/]{20,2000}={0,2})(?:\s|$)/;

const ECDSA_BY_BITS: Readonly<Record<string, string>> = { '256': 'ecdsa-sha2-nistp256', '384': 'ecdsa-sha2-nistp384', '521': 'ecdsa-sha2-nistp521' };
const TYPE_BY_LABEL: Readonly<Record<string, string>> = { ED25519: 'ssh-ed25519', RSA: 'ssh-rsa', DSA: 'ssh-dss' };

function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The type name a key blob starts with (an SSH string), or undefined when the blob is malformed. */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.toString('latin1', 4, 4 + length);
}

function fingerprintEntry(line: string): HostKey | undefined {
  const match = FINGERPRINT_LINE.exec(line);
  if (!match) return undefined;
  const [, bits, hash, label] = match as unknown as [string, string, string, string];
  const type = label === 'ECDSA' ? ECDSA_BY_BITS[bits] : TYPE_BY_LABEL[label];
  return type ? { type, fingerprint: `SHA256:${hash}` } : undefined;
}

/**
 * A host key given whole (type and base64 blob), with its fingerprint; undefined when the blob does
 * not name that type: a damaged or forged key proves nothing.
 */
export function hostKeyOf(type: string, base64: string): HostKey | undefined {
  if (!/^[A-Za-z0-9+/]{20,2000}={0,2}$/.test(base64)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  if (blobType(blob) !== type) return undefined;
  return { type, fingerprint: fingerprintOfBlob(blob), publicKey: base64 };
}

function keyEntry(line: string): HostKey | undefined {
  const match = KEY_LINE.exec(line);
  return match ? hostKeyOf(match[1]!, match[2]!) : undefined;
}

function marker(line: string): { edge: 'BEGIN' | 'END'; block: BlockName } | undefined {
  for (const block of BLOCKS) {
    if (line.includes(`-----BEGIN ${block}-----`)) return { edge: 'BEGIN', block };
    if (line.includes(`-----END ${block}-----`)) return { edge: 'END', block };
  }
  return undefined;
}

/**
 * The host keys in cloud-init's `-----BEGIN SSH HOST KEY FINGERPRINTS-----` and `-----BEGIN SSH HOST
 * KEY KEYS-----` console blocks. Only blocks that end are read (a cut-off key line would pin a wrong
 * key), only SHA256 fingerprints count (MD5 ones prove too little), and a key printed whole wins
 * over its fingerprint line. Keys come out once each, in the order first seen.
 */
export function parseHostKeyBlock(text: string): HostKey[] {
  const found = new Map<string, HostKey>();
  let open: { block: BlockName; keys: HostKey[]; lines: number } | undefined;
  for (const line of text.split('\n')) {
    if (line.length > MAX_LINE) continue;
    const edge = marker(line);
    if (edge?.edge === 'BEGIN') {
      open = { block: edge.block, keys: [], lines: 0 };
      continue;
    }
    if (!open) continue;
    if (edge?.edge === 'END') {
      if (edge.block === open.block) {
        for (const key of open.keys) {
          const known = found.get(key.fingerprint);
          if (!known || (key.publicKey && !known.publicKey)) found.set(key.fingerprint, key);
        }
      }
      open = undefined;
      continue;
    }
    if (++open.lines > MAX_BLOCK_LINES) {
      open = undefined;
      continue;
    }
    const key = open.block === 'SSH HOST KEY FINGERPRINTS' ? fingerprintEntry(line) : keyEntry(line);
    if (key) open.keys.push(key);
  }
  return [...found.values()];
}
