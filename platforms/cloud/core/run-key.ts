import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519Pair } from '../../shared/ssh/ed25519-pair.js';
import type { Reaper } from '../../../harness/lifecycle/reaper.js';

/** The run's SSH identity for its cloud instances, in a private folder that goes when the run ends. */
export interface RunKey {
  /** OpenSSH public key line, as providers take it. */
  publicKey: string;
  /** The private key file (0600 in a 0700 folder). */
  identity: string;
  /** A known_hosts file of this run only, for --trust-on-first-use. */
  knownHosts: string;
}

/**
 * A fresh ed25519 pair per run: nothing outlives the run that could log in to a leaked instance.
 * The folder is removed at the run's end through the reaper, and by the guardian after a SIGKILL.
 */
export async function createRunKey(reaper: Reaper, comment: string): Promise<RunKey> {
  const dir = await mkdtemp(join(tmpdir(), 'harness-cloud-'));
  await chmod(dir, 0o700);
  reaper.guardian?.guardPath(dir);
  reaper.add(`cloud SSH key ${dir}`, async () => {
    await rm(dir, { recursive: true, force: true });
    reaper.guardian?.releasePath(dir);
  });
  const pair = ed25519Pair({ comment });
  const identity = join(dir, 'id_ed25519');
  await writeFile(identity, pair.private, { mode: 0o600 });
  return { publicKey: pair.public, identity, knownHosts: join(dir, 'known_hosts') };
}
