/**
 * The lab's own services for board tests, the real Debian programs: ser2net exporting the emulated
 * board's pty over raw TCP and RFC 2217, and pdudaemon switching it with its `localcmdline` driver.
 * Both run in the foreground under a parent-death signal, so a test that dies leaves neither behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { needHostTool } from './host-tool.js';

export const UBOOT_BIN = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const APT_LOCKED = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock directory/;

/** ser2net, pdudaemon and Debian's U-Boot builds, installed with apt when missing. */
export async function needLabPackages(): Promise<void> {
  await needHostTool({ command: 'ser2net', package: 'ser2net', why: 'exports the emulated board UART' });
  await needHostTool({ command: 'pdudaemon', package: 'pdudaemon', why: 'switches the emulated board' });
  for (let tries = 0; !existsSync(UBOOT_BIN); tries++) {
    const r = await execa('apt-get', ['install', '-y', '--no-install-recommends', 'u-boot-qemu'], { reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.exitCode !== 0 && !(APT_LOCKED.test(r.stderr) && tries < 100)) throw new Error(`apt-get install u-boot-qemu: ${r.stderr}`);
    await sleep(3000);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface Service {
  child: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

function startService(argv: string[], dir: string): Service {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await closed;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, service: Service, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (up) return;
    if (service.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`${what} did not listen on ${port}: ${service.output()}`);
}

/** ser2net with one raw TCP and one telnet(rfc2217) accepter for `device`. */
export async function startSer2net(device: string): Promise<Service & { raw: number; rfc2217: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'harness-ser2net-'));
  const [raw, rfc2217] = [await freePort(), await freePort()];
  const config = join(dir, 'ser2net.yaml');
  const connection = (name: string, accepter: string) =>
    `connection: &${name}\n  accepter: ${accepter}\n  connector: serialdev,${device},115200n81,local\n  options:\n    kickolduser: true\n`;
  writeFileSync(config, `%YAML 1.1\n---\n${connection('raw', `tcp,127.0.0.1,${raw}`)}${connection('rfc', `telnet(rfc2217),tcp,127.0.0.1,${rfc2217}`)}`);
  const service = startService(['ser2net', '-n', '-u', '-c', config, '-P', join(dir, 'pid')], dir);
  await waitForPort(raw, service, 'ser2net');
  await waitForPort(rfc2217, service, 'ser2net');
  return { ...service, raw, rfc2217 };
}

/** pdudaemon's HTTP listener with one `localcmdline` PDU whose port N runs `on`/`off` with N. */
export async function startPduDaemon(onCommand: string, offCommand: string): Promise<Service & { url: string; pdu: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'harness-pdudaemon-'));
  const port = await freePort();
  const config = join(dir, 'pdudaemon.conf');
  const pdu = 'emulated-pdu';
  writeFileSync(config, JSON.stringify({ daemon: { hostname: '127.0.0.1', port, logging_level: 'INFO', listener: 'http' }, pdus: { [pdu]: { driver: 'localcmdline', cmd_on: onCommand, cmd_off: offCommand } } }));
  const service = startService(['pdudaemon', '--conf', config, '--listener', 'http', '--logfile', join(dir, 'log'), '--loglevel', 'INFO'], dir);
  await waitForPort(port, service, 'pdudaemon');
  return { ...service, url: `http://127.0.0.1:${port}`, pdu };
}
