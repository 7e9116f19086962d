/**
 * The emulated board's power switch (docs/boards.md): QEMU's arm64 `virt` machine with Debian's real
 * U-Boot as its firmware, its UART a pty and QEMU's user network with a TFTP server standing in for
 * the lab's. A lab file's `command` power driver runs it:
 *
 *   node --import tsx test/support/emulated-board.ts on    <state dir> <tftp dir>
 *   node --import tsx test/support/emulated-board.ts off   <state dir>
 *   node --import tsx test/support/emulated-board.ts reset <state dir>     (the reset button)
 *
 * `on` starts QEMU paused, links `<state dir>/uart` to its pty, and lets it run once something opens
 * the pty (the harness, ser2net, a relay), as a real board's UART is open before its power comes
 * on: QEMU drops console bytes while nobody reads its pty. `off` kills it and removes the link.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

const UBOOT = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'qemu.pid'), 'utf8'));
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process other than `except` has `path` open: the pty's reader has arrived. */
function openedByOther(path: string, except: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === except || Number(name) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${name}/fd/${fd}`) === path) return true;
      } catch {
        // Closed while we looked.
      }
    }
  }
  return false;
}

/** One QMP command on QEMU's monitor socket. */
async function qmp(dir: string, command: string): Promise<void> {
  const socket = connect(join(dir, 'qmp.sock'));
  await new Promise<void>((resolveDone, reject) => {
    let text = '';
    let sent = 0;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString();
      // The greeting, then one answer per command: send the next on each.
      const lines = text.split('\n').filter((l) => l.trim());
      if (lines.length >= 1 && sent === 0) {
        socket.write('{"execute":"qmp_capabilities"}\n');
        sent = 1;
      } else if (lines.length >= 2 && sent === 1) {
        socket.write(`{"execute":"${command}"}\n`);
        sent = 2;
      } else if (lines.some((l) => l.includes('"return"')) && lines.length >= 3 && sent === 2) {
        socket.end();
        resolveDone();
      }
    });
  });
}

async function on(dir: string, tftp: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (pidOf(dir) !== undefined) return;
  rmSync(join(dir, 'uart'), { force: true });
  rmSync(join(dir, 'qmp.sock'), { force: true });
  const logPath = join(dir, 'qemu.log');
  const out = openSync(logPath, 'w');
  const argv = [
    '-M', 'virt', '-cpu', 'cortex-a57', '-m', '512', '-smp', '1', '-nodefaults', '-display', 'none',
    '-bios', UBOOT, '-serial', 'pty',
    '-netdev', `user,id=n0,tftp=${resolve(tftp)}`, '-device', 'virtio-net-pci,netdev=n0',
    '-S', '-qmp', `unix:${join(dir, 'qmp.sock')},server=on,wait=off`,
  ];
  const child = spawn('qemu-system-aarch64', argv, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('qemu-system-aarch64 did not start');
  child.unref();
  writeFileSync(join(dir, 'qemu.pid'), String(pid));
  let pts: string | undefined;
  for (let i = 0; i < 200 && !pts; i++) {
    pts = /char device redirected to (\/dev\/pts\/\d+)/.exec(readFileSync(logPath, 'utf8'))?.[1];
    if (!pts) {
      if (!alive(pid)) throw new Error(`QEMU exited: ${readFileSync(logPath, 'utf8').trim()}`);
      await sleep(50);
    }
  }
  if (!pts) throw new Error('QEMU named no pty');
  symlinkSync(pts, join(dir, 'uart.new'));
  renameSync(join(dir, 'uart.new'), join(dir, 'uart'));
  for (let i = 0; i < 600 && !openedByOther(pts, pid); i++) await sleep(50);
  for (let i = 0; i < 100 && !existsSync(join(dir, 'qmp.sock')); i++) await sleep(50);
  await qmp(dir, 'cont');
}

async function off(dir: string): Promise<void> {
  const pid = pidOf(dir);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  }
  for (const f of ['qemu.pid', 'uart', 'qmp.sock']) rmSync(join(dir, f), { force: true });
}

const [action, dir, tftp] = process.argv.slice(2);
if (!dir || (action === 'on' && !tftp)) {
  process.stderr.write('usage: emulated-board.ts on <state dir> <tftp dir> | off <state dir> | reset <state dir>\n');
  process.exit(2);
}
try {
  if (action === 'on') await on(dir, tftp!);
  else if (action === 'off') await off(dir);
  else if (action === 'reset') await qmp(dir, 'system_reset');
  else throw new Error(`unknown action ${action}`);
} catch (error) {
  process.stderr.write(`emulated-board ${action}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
