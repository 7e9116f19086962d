import { createHmac } from 'node:crypto';

/** One key line of an OpenSSH known_hosts file, and where it stands, for messages. */
export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one `|1|salt|hmac` hash. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** A key blob is a sequence of SSH strings whose first names its type; undefined when it is not. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  // Key type names are short ASCII; a huge length is a malformed (or hostile) blob.
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  const type = blob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

const MARKERS: Record<string, KnownHostEntry['marker']> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The key lines of a known_hosts text. Like ssh, it passes over lines it cannot read (a key of the
 * wrong shape, an unknown marker) instead of refusing the whole file.
 */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]?.startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      marker = MARKERS[fields[0]];
      if (!marker) return;
      fields.shift();
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64 || !BASE64.test(base64)) return;
    const key = Buffer.from(base64, 'base64');
    if (blobKeyType(key) !== keyType) return;
    entries.push({ file, line: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

function hashedMatch(field: string, name: string): boolean {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && expected.equals(actual);
}

function globMatch(pattern: string, name: string): boolean {
  const source = [...pattern.toLowerCase()]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(name);
}

/**
 * Does the entry's host field name `name` (from knownHostsName)? As in ssh, a matching negated
 * pattern (`!pattern`) excludes the host even when another pattern on the line matches it.
 */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.startsWith('|')) return hashedMatch(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** A line in known_hosts format, plain (not hashed): the harness writes only files it owns. */
export function knownHostsLine(name: string, keyType: string, key: Buffer): string {
  return `${name} ${keyType} ${key.toString('base64')}\n`;
}
