import { readFile } from 'node:fs/promises';
import { ssh2 } from './ssh2-module.js';
import { UsageError } from '../../../harness/model/errors.js';

/**
 * How the harness logs in: a private key file (OpenSSH or PEM), an agent socket (SSH_AUTH_SOCK), or
 * both (the key is offered first). No passwords: a test run must not stop to ask for one.
 */
export interface SshAuth {
  identity?: string;
  agent?: string;
}

/** What ssh2's connect takes for `SshAuth`, checked before any connection is made. */
export interface Credentials {
  privateKey?: Buffer;
  passphrase?: string;
  agent?: string;
  /** How the login was tried, for "authentication failed" messages. */
  offered: string;
}

const PASSPHRASE_ENV = 'HARNESS_SSH_PASSPHRASE';

async function readIdentity(path: string, passphrase: string | undefined): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new UsageError(path, `cannot read the SSH private key: ${(error as Error).message}`);
  }
  const parsed = ssh2().utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    const problem = !/passphrase/i.test(parsed.message)
      ? `not a private key the harness can use: ${parsed.message}`
      : passphrase === undefined
        ? `the private key is encrypted; set ${PASSPHRASE_ENV} to its passphrase`
        : `${PASSPHRASE_ENV} does not decrypt the private key`;
    throw new UsageError(path, problem);
  }
  if (!parsed.isPrivateKey()) throw new UsageError(path, 'this is a public key; give the private key file (without .pub)');
  return data;
}

/** Reads and checks the key file now, so a bad path or passphrase is a usage error, not a retried failure. */
export async function loadCredentials(auth: SshAuth, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  if (auth.identity === undefined && auth.agent === undefined) {
    throw new UsageError('--identity', 'no SSH credentials: give --identity <private key file>, or run ssh-agent and set SSH_AUTH_SOCK');
  }
  const passphrase = env[PASSPHRASE_ENV];
  const offered = [auth.identity && `key ${auth.identity}`, auth.agent && `agent ${auth.agent}`].filter(Boolean).join(', ');
  return {
    privateKey: auth.identity === undefined ? undefined : await readIdentity(auth.identity, passphrase),
    passphrase,
    agent: auth.agent,
    offered,
  };
}
