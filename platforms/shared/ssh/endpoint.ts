import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../../../harness/model/errors.js';

/** Where an SSH server is and whom to log in as. */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
}

const DEFAULT_USER = 'root';
const DEFAULT_PORT = 22;
// Portable user names plus the trailing `$` some systems allow; anything else is more likely a typo
// than a real login, and would end up in error messages and known_hosts lookups.
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label));
}

function parsePort(text: string, spec: string, where: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(where, `port "${text}" in "${spec}" is not a number from 1 to 65535`);
  return port;
}

/**
 * Reads "[user@]host[:port]", with an IPv6 address in brackets ("root@[fe80::1%eth0]:2222"). The
 * default user is root and the default port 22.
 */
export function parseSshTarget(spec: string, where: string): SshEndpoint {
  const at = spec.lastIndexOf('@');
  const user = at === -1 ? DEFAULT_USER : spec.slice(0, at);
  const rest = at === -1 ? spec : spec.slice(at + 1);
  if (!USER.test(user)) throw new UsageError(where, `user "${user}" in "${spec}" is not a valid login name`);

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) throw new UsageError(where, `"${spec}" opens "[" for an IPv6 address but never closes it`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new UsageError(where, `"${after}" after "]" in "${spec}" is neither empty nor ":port"`);
    if (after !== '') portText = after.slice(1);
    if (!isIPv6(host)) throw new UsageError(where, `"${host}" in "${spec}" is not an IPv6 address`);
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) throw new UsageError(where, `"${rest}" in "${spec}" looks like an IPv6 address: put it in brackets, as [${rest}] or [${rest}]:22`);
    const colon = rest.indexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    if (colon !== -1) portText = rest.slice(colon + 1);
    if (host === '') throw new UsageError(where, `"${spec}" names no host`);
    if (!isIPv4(host) && !isHostName(host)) throw new UsageError(where, `"${host}" in "${spec}" is neither a host name nor an IP address`);
  }
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText, spec, where);
  return { host, port, user };
}

/** The endpoint as messages and platform names show it: "root@10.0.0.5:22", "root@[::1]:2222". */
export function formatSshTarget(endpoint: SshEndpoint): string {
  const host = isIPv6(endpoint.host) ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.user}@${host}:${endpoint.port}`;
}

/** The name OpenSSH files a host's key under: "host" on port 22, "[host]:port" elsewhere; lower case. */
export function knownHostsName(endpoint: SshEndpoint): string {
  const host = endpoint.host.toLowerCase();
  return endpoint.port === DEFAULT_PORT ? host : `[${host}]:${endpoint.port}`;
}
