import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../harness/model/errors.js';
import { formatSshTarget, knownHostsName, parseSshTarget } from '../../../../platforms/shared/ssh/endpoint.js';

describe('parseSshTarget', () => {
  it.each([
    ['host', { user: 'root', host: 'host', port: 22 }],
    ['alice@10.0.0.5', { user: 'alice', host: '10.0.0.5', port: 22 }],
    ['alice@build-01.example.com:2222', { user: 'alice', host: 'build-01.example.com', port: 2222 }],
    ['[::1]', { user: 'root', host: '::1', port: 22 }],
    ['core@[fe80::1%eth0]:2200', { user: 'core', host: 'fe80::1%eth0', port: 2200 }],
    ['machine$@h', { user: 'machine$', host: 'h', port: 22 }],
  ])('reads %s', (spec, endpoint) => {
    expect(parseSshTarget(spec, '--target')).toEqual(endpoint);
  });

  it.each([
    ['', 'names no host'],
    ['root@', 'names no host'],
    ['h:0', 'port "0"'],
    ['h:65536', 'port "65536"'],
    ['h:22x', 'port "22x"'],
    ['h:', 'port ""'],
    ['::1', 'put it in brackets'],
    ['[::1', 'never closes'],
    ['[::1]x', 'neither empty nor ":port"'],
    ['[example.com]:22', 'not an IPv6 address'],
    ['bad user@h', 'user "bad user"'],
    ['-oProxyCommand=x@h', 'not a valid login name'],
    ['h_st', 'neither a host name nor an IP address'],
    ['host name', 'neither a host name nor an IP address'],
  ])('refuses %j, saying what is wrong', (spec, problem) => {
    const parse = () => parseSshTarget(spec, '--target');
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(`--target: `);
    expect(parse).toThrow(problem);
  });
});

describe('names', () => {
  it('formats targets with IPv6 in brackets', () => {
    expect(formatSshTarget({ user: 'root', host: '10.0.0.5', port: 22 })).toBe('root@10.0.0.5:22');
    expect(formatSshTarget({ user: 'root', host: '::1', port: 2222 })).toBe('root@[::1]:2222');
  });

  it('files keys as ssh does: bare on port 22, [host]:port elsewhere, lower case', () => {
    expect(knownHostsName({ user: 'root', host: 'Build.Example.com', port: 22 })).toBe('build.example.com');
    expect(knownHostsName({ user: 'root', host: '127.0.0.1', port: 2222 })).toBe('[127.0.0.1]:2222');
    expect(knownHostsName({ user: 'root', host: '::1', port: 22 })).toBe('::1');
  });
});
