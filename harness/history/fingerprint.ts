import { createHash } from 'node:crypto';
import type { Fingerprint } from '../metrics/types.js';

/**
 * A short stable id for "comparable boots". Keys are sorted before hashing so the id does not depend
 * on the order a fingerprint's fields were written in, which differs between code paths and imports.
 * A fingerprint is flat, so the sorted key list as JSON.stringify's allow-list is a canonical form.
 */
export function fingerprintKey(f: Fingerprint): string {
  const canonical = JSON.stringify(f, Object.keys(f).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
