/**
 * An in-process SSH server on 127.0.0.1:0 for one test: publickey login for one client key, exec
 * handled by the test, an SFTP subsystem writing into a temp folder, and a TCP proxy in front that
 * can freeze (a host that stops answering) or switch to another server (a host whose key changed).
 */
import { once } from 'node:events';
import { chmodSync, closeSync, fchmodSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, utils, type Connection, type ServerChannel, type SFTPWrapper } from 'ssh2';
import { onTestFinished } from 'vitest';
import { SshConnection, type ConnectOptions } from '../../../../platforms/shared/ssh/connection.js';
import { makeKey, type TestKey } from './keys.js';

const { STATUS_CODE } = utils.sftp;

export type ExecHandler = (command: string, stream: ServerChannel, connection: Connection) => void;

export interface TestServer {
  port: number;
  hostKey: TestKey;
  /** TCP connections accepted, login or not. */
  connections: number;
  /** Login attempts that carried a signature (a client proving its key). */
  signedLogins: number;
  commands: string[];
  /** SFTP requests in the order they came: "OPEN /p/a.txt", "FSETSTAT", … */
  sftpOps: string[];
  /** The folder SFTP paths land in ("/payload/x" is `${sftpRoot}/payload/x`). */
  sftpRoot: string;
  exec: ExecHandler;
  connectionsOpen: Connection[];
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-sshd-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function serveSftp(sftp: SFTPWrapper, server: TestServer): void {
  const local = (path: string) => join(server.sftpRoot, path);
  const handles = new Map<number, number>();
  let next = 0;
  const fdOf = (handle: Buffer) => handles.get(handle.readUInt32BE(0));
  const attempt = (reqid: number, op: () => void) => {
    try {
      op();
      sftp.status(reqid, STATUS_CODE.OK);
    } catch (error) {
      sftp.status(reqid, (error as NodeJS.ErrnoException).code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE);
    }
  };
  sftp
    .on('OPEN', (reqid, filename, flags, attrs) => {
      server.sftpOps.push(`OPEN ${filename}`);
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(++next);
      handles.set(next, openSync(local(filename), utils.sftp.flagsToString(flags) ?? 'r', attrs.mode));
      sftp.handle(reqid, handle);
    })
    .on('FSETSTAT', (reqid, handle, attrs) => {
      server.sftpOps.push('FSETSTAT');
      attempt(reqid, () => fchmodSync(fdOf(handle)!, attrs.mode!));
    })
    .on('WRITE', (reqid, handle, offset, data) => {
      server.sftpOps.push('WRITE');
      attempt(reqid, () => writeSync(fdOf(handle)!, data, 0, data.length, offset));
    })
    .on('CLOSE', (reqid, handle) => {
      server.sftpOps.push('CLOSE');
      attempt(reqid, () => closeSync(fdOf(handle)!));
    })
    .on('STAT', (reqid, path) => {
      server.sftpOps.push(`STAT ${path}`);
      try {
        const st = statSync(local(path));
        sftp.attrs(reqid, { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: 0, mtime: 0 });
      } catch {
        sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
      }
    })
    .on('MKDIR', (reqid, path, attrs) => {
      server.sftpOps.push(`MKDIR ${path}`);
      attempt(reqid, () => mkdirSync(local(path), attrs.mode));
    })
    .on('SETSTAT', (reqid, path, attrs) => {
      server.sftpOps.push(`SETSTAT ${path}`);
      attempt(reqid, () => chmodSync(local(path), attrs.mode!));
    });
}

/** Starts a server that lets `clientKey` log in; `hostKey` defaults to a fresh one. */
export async function startServer(clientKey: TestKey, hostKey: TestKey = makeKey()): Promise<TestServer> {
  const allowed = utils.parseKey(clientKey.public);
  if (allowed instanceof Error) throw allowed;
  const state: TestServer = {
    port: 0,
    hostKey,
    connections: 0,
    signedLogins: 0,
    commands: [],
    sftpOps: [],
    sftpRoot: tempDir(),
    exec: (_command, stream) => {
      stream.exit(0);
      stream.end();
    },
    connectionsOpen: [],
  };
  const server = new Server({ hostKeys: [hostKey.private] }, (connection) => {
    state.connections++;
    state.connectionsOpen.push(connection);
    connection.on('error', () => {});
    connection.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const same = ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      if (!same) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept();
      state.signedLogins++;
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject(['publickey']);
    });
    connection.on('ready', () => {
      connection.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          state.commands.push(info.command);
          state.exec(info.command, acceptExec(), connection);
        });
        session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), state));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  onTestFinished(async () => {
    for (const c of state.connectionsOpen) c.end();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

/** A port nothing listens on (for "connection refused"). */
export async function closedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface TcpProxy {
  port: number;
  /** Where new connections go. */
  target: number;
  /** Stops moving bytes either way on every open connection, leaving the sockets open. */
  freeze(): void;
}

export async function startProxy(target: number): Promise<TcpProxy> {
  const pairs: [Socket, Socket][] = [];
  const proxy: TcpProxy = {
    port: 0,
    target,
    freeze() {
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
  };
  const server = createServer((down) => {
    const up = tcpConnect(proxy.target, '127.0.0.1');
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
    down.pipe(up).pipe(down);
    pairs.push([down, up]);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.port = (server.address() as AddressInfo).port;
  onTestFinished(async () => {
    for (const pair of pairs) pair.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  return proxy;
}

/** Options that trust `server`'s host key through a known_hosts file and log in with `clientKey`. */
export function optionsFor(server: { port: number; hostKey: TestKey }, clientKey: TestKey): ConnectOptions {
  const dir = tempDir();
  const identity = join(dir, 'id_ed25519');
  writeFileSync(identity, clientKey.private, { mode: 0o600 });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${server.port} ${server.hostKey.public}\n`);
  return {
    endpoint: { user: 'root', host: '127.0.0.1', port: server.port },
    hostKeys: { kind: 'known-hosts', files: [knownHosts] },
    auth: { identity },
    attempts: 1,
    readyTimeoutMs: 5_000,
  };
}

/** Connects, and closes the connection when the test ends. */
export async function connected(options: ConnectOptions): Promise<SshConnection> {
  const connection = await SshConnection.connect(options);
  onTestFinished(() => connection.close());
  return connection;
}
