import { UsageError } from '../../../harness/model/errors.js';
import { parseDuration } from '../../../harness/select/duration.js';
import type { PlatformOption } from '../../platform.js';
import { runnerCidr } from './runner-address.js';
import { DEFAULT_TEARDOWN, type TeardownOptions } from './teardown.js';

/** What the user decides for every cloud, from `harness run`'s flags. */
export interface CloudSettings {
  /** Instances of one provider at once (a Slots lease): quota and cost, not this machine, limit clouds. */
  maxInstances: number;
  /** No instance lives longer: the lease ends it, and its expiry tag lets `cloud gc` take it after. */
  lifetimeMs: number;
  /** Without host keys from the console or the provider, trust the first key the server shows. */
  trustOnFirstUse: boolean;
  /** The /32 SSH is open to; discovered when absent. */
  runnerCidr?: string;
  /** Who logs in; each provider has a default. */
  user?: string;
}

/** How long things may take and how often they are polled; tests shorten them. */
export interface CloudTimings {
  pollMs: number;
  consolePollMs: number;
  runningTimeoutMs: number;
  /** Running to an SSH login, host keys included. */
  sshTimeoutMs: number;
  /** With --trust-on-first-use: how long to wait for host keys before trusting the first one. */
  hostKeyGraceMs: number;
  sshRetryMs: number;
  teardown: TeardownOptions;
}

export const DEFAULT_TIMINGS: CloudTimings = {
  pollMs: 5_000,
  consolePollMs: 2_000,
  runningTimeoutMs: 10 * 60_000,
  sshTimeoutMs: 10 * 60_000,
  hostKeyGraceMs: 90_000,
  sshRetryMs: 3_000,
  teardown: DEFAULT_TEARDOWN,
};

export const CLOUD_OPTIONS: PlatformOption[] = [
  { flags: '--max-instances <n>', description: 'cloud: instances of one provider at once', default: '4' },
  { flags: '--max-lifetime <duration>', description: 'cloud: no instance lives longer (it is destroyed, and gc takes what is left after)', default: '1h' },
  { flags: '--trust-on-first-use', description: 'SSH/cloud: accept the first host key when none can be verified (cloud: none on the console or from the provider)' },
  { flags: '--cloud-runner-ip <address>', description: 'cloud: the IPv4 address SSH is opened to, as a /32 (default: discovered)' },
  { flags: '--cloud-user <name>', description: 'cloud: the login for the run key (default: root; azure: harness)' },
];

const MIN_LIFETIME_MS = 5 * 60_000;
const MAX_LIFETIME_MS = 24 * 3_600_000;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A string option's value, or undefined; anything else is a usage error naming the flag. */
export function stringOption(options: Readonly<Record<string, unknown>>, key: string, flag: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(flag, `needs a value`);
  return value.trim();
}

/** A required string option, with what to pass in the error. */
export function requiredOption(options: Readonly<Record<string, unknown>>, key: string, flag: string, platform: string, example: string): string {
  const value = stringOption(options, key, flag);
  if (value === undefined) throw new UsageError(flag, `${platform} needs ${flag} (e.g. ${flag} ${example})`);
  return value;
}

/** A value that must match `pattern`, named in the error with an example of the right form. */
export function matching(value: string | undefined, pattern: RegExp, flag: string, form: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) throw new UsageError(flag, `"${value}" is not ${form}`);
  return value;
}

export function cloudSettings(options: Readonly<Record<string, unknown>>): CloudSettings {
  const instances = Number(stringOption(options, 'maxInstances', '--max-instances') ?? '4');
  if (!Number.isSafeInteger(instances) || instances < 1 || instances > 1000) {
    throw new UsageError('--max-instances', `"${String(options['maxInstances'])}" is not a whole number from 1 to 1000`);
  }
  const lifetimeMs = parseDuration(stringOption(options, 'maxLifetime', '--max-lifetime') ?? '1h', '--max-lifetime');
  if (lifetimeMs < MIN_LIFETIME_MS || lifetimeMs > MAX_LIFETIME_MS) {
    throw new UsageError('--max-lifetime', `${String(options['maxLifetime'])} is outside 5m to 24h: an instance needs minutes to boot, and a forgotten one costs money`);
  }
  const ip = stringOption(options, 'cloudRunnerIp', '--cloud-runner-ip');
  const user = matching(stringOption(options, 'cloudUser', '--cloud-user'), USER, '--cloud-user', 'a login name (lower case, at most 32 characters)');
  return {
    maxInstances: instances,
    lifetimeMs,
    trustOnFirstUse: options['trustOnFirstUse'] === true,
    ...(ip !== undefined && { runnerCidr: runnerCidr(ip, '--cloud-runner-ip') }),
    ...(user !== undefined && { user }),
  };
}
