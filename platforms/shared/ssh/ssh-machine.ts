import { readFile } from 'node:fs/promises';
import { InfraError } from '../../../harness/model/errors.js';
import type { Reaper } from '../../../harness/lifecycle/reaper.js';
import type { PhaseName } from '../../../harness/model/types.js';
import type { Console, Machine, MachineEnd, PayloadFile, RootfsArchive } from '../../platform.js';
import type { SshConnection } from './connection.js';
import { formatSshTarget } from './endpoint.js';
import { tarMember } from './tar-member.js';

export interface SshMachineOptions {
  id: string;
  connection: SshConnection;
  /** ms since the platform started this machine (its connect, or its provisioning). */
  now: () => number;
  /** A console where the target has one (a cloud's serial log, a QEMU guest's). */
  console?: Console;
  rootfs: RootfsArchive[];
  onPhase: (phase: PhaseName, atMs: number) => void;
  /** A host that stays up ends with `exit`; a QEMU guest reached over SSH powers off. */
  onBye: 'poweroff' | 'exit';
  endPhase: PhaseName;
  reaper: Reaper;
  /** The platform's own ending after the state folder is gone (stop QEMU, destroy an instance). */
  afterEnd?: () => Promise<MachineEnd | void>;
  diagnostics?: () => string;
  /** A fresh connection for the cleanup when the session's own one was lost. */
  reconnect?: () => Promise<SshConnection>;
}

/**
 * Takes a session's state folder away even when its agent lives on (a connection cut mid-case leaves
 * the agent and a container running, with an overlay mounted inside): every process that runs from
 * the folder, has its root or cwd in it, is killed; every mount below it is lazily unmounted.
 */
const CLEANUP = `d=$1
for p in /proc/[0-9]*; do
  pid=\${p#/proc/}
  [ "$pid" = "$$" ] || [ "$pid" = "$PPID" ] && continue
  case "$(tr '\\0' ' ' <"$p/cmdline" 2>/dev/null)|$(readlink "$p/root" 2>/dev/null)|$(readlink "$p/cwd" 2>/dev/null)" in
  *"$d"*) kill -9 "$pid" 2>/dev/null ;;
  esac
done
awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
rm -rf -- "$d"`;

/** Where rootfs archives are unpacked on a host, once per digest, shared by every session there. */
const ROOTFS_CACHE = '/var/tmp/harness-rootfs';

/**
 * A Machine on a target reached over SSH: a private state folder, the base rootfs cached by digest,
 * a busybox for its applets, the agent exec'd (under `sudo -n` unless the user is root), case files
 * by sftp. The host is never powered off or rebooted; `end()` removes the state folder, even after a
 * failure, and the reaper does it on SIGINT.
 */
export async function sshMachine(o: SshMachineOptions): Promise<Machine> {
  const ssh = o.connection;
  const target = formatSshTarget(ssh.endpoint);
  const whoami = await ssh.run(['id', '-u']);
  const root = whoami.stdout.trim() === '0';
  const sudo = root ? [] : ['sudo', '-n', '--'];
  if (!root) {
    const check = await ssh.run([...sudo, 'true']);
    if (check.code !== 0) {
      throw new InfraError(`${target}: user ${ssh.endpoint.user} cannot run sudo without a password (${check.stderr.trim().split('\n').pop() || `exit ${check.code}`}); connect as root or allow NOPASSWD sudo`);
    }
  }
  const made = await ssh.run(['mktemp', '-d', '/tmp/harness.XXXXXXXX']);
  const dir = made.stdout.trim();
  if (made.code !== 0 || !/^\/tmp\/harness\.[A-Za-z0-9]+$/.test(dir)) throw new InfraError(`${target}: could not make a state folder: ${made.stderr.trim() || dir}`);
  let ending: Promise<MachineEnd> | undefined;
  const end = (reason: string): Promise<MachineEnd> => {
    ending ??= (async () => {
      // Removed as the agent's user, who owns what the agent wrote; over a new connection if the session's was lost.
      const remove = (via: SshConnection) => via.run([...sudo, 'sh', '-c', CLEANUP, 'cleanup', dir]);
      const removed = await remove(ssh).catch(async (error: Error) => {
        if (!o.reconnect) return { code: null, stderr: error.message };
        const again = await o.reconnect().catch(() => undefined);
        if (!again) return { code: null, stderr: error.message };
        try {
          return await remove(again);
        } finally {
          again.close();
        }
      });
      ssh.close();
      const after = await o.afterEnd?.();
      unregister();
      const detail = removed.code === 0 ? `session ended (${reason}); ${dir} removed` : `session ended (${reason}); ${dir} not removed: ${removed.stderr.trim()}`;
      return after ?? { atMs: o.now(), clean: removed.code === 0, detail };
    })();
    return ending;
  };
  const unregister = o.reaper.add(`ssh state ${target}:${dir}`, async () => {
    await end('reaped');
  });
  try {
    // Containers whose root is uid 100000 must be able to reach their bundles inside.
    await ssh.run(['chmod', '711', dir]);
    const busybox = await shipBusybox(ssh, dir, o.rootfs);
    const containers = await shipRootfs(ssh, sudo, dir, busybox, o.rootfs);
    const exited: Promise<MachineEnd> = ssh.closed.then(({ reason }) => ({ atMs: o.now(), clean: false, detail: reason }));
    return {
      id: o.id,
      now: o.now,
      ...(o.console && { console: o.console }),
      agent: {
        kind: 'exec',
        async exec(script, args) {
          await ssh.putFile(`${dir}/agent.sh`, script, 0o600);
          return ssh.exec([...sudo, busybox ? `${dir}/busybox` : 'sh', ...(busybox ? ['sh'] : []), `${dir}/agent.sh`, ...args]);
        },
      },
      transfer: { kind: 'upload', put: (files: PayloadFile[]) => ssh.putFiles(`${dir}/payload`, files) },
      layout: { state: `${dir}/run`, payload: `${dir}/payload`, containers, ...(busybox && { applets: `${dir}/applets` }) },
      onBye: o.onBye,
      endPhase: o.endPhase,
      exited,
      diagnostics: o.diagnostics ?? (() => ''),
      end,
    };
  } catch (error) {
    await end('setup failed');
    throw error;
  }
}

/** The archive's static busybox and its applet links: a host may lack tar, crc32, even a POSIX sh of note. */
async function shipBusybox(ssh: SshConnection, dir: string, rootfs: RootfsArchive[]): Promise<boolean> {
  const archive = rootfs.find((r) => r.busybox);
  if (!archive?.busybox) return false;
  const data = await tarMember(await readFile(archive.tar), archive.busybox);
  if (!data) throw new InfraError(`${archive.tar} has no ${archive.busybox}`);
  await ssh.putFile(`${dir}/busybox`, data, 0o755);
  const installed = await ssh.run(['sh', '-c', 'mkdir -p "$1/applets" && "$1/busybox" --install -s "$1/applets"', 'install', dir]);
  if (installed.code !== 0) throw new InfraError(`${formatSshTarget(ssh.endpoint)}: the shipped busybox does not run there: ${installed.stderr.trim()}`);
  return true;
}

/**
 * Each archive is unpacked once per host under its digest (`.complete` says the unpacking finished);
 * the session sees them as `<state>/containers/<name>`, links into that cache.
 */
async function shipRootfs(ssh: SshConnection, sudo: string[], dir: string, busybox: boolean, rootfs: RootfsArchive[]): Promise<string> {
  const containers = `${dir}/containers`;
  await ssh.run(['mkdir', '-p', containers]);
  const tar = busybox ? [`${dir}/busybox`, 'tar'] : ['tar'];
  for (const archive of rootfs) {
    const cached = `${ROOTFS_CACHE}/${archive.sha256}`;
    const present = await ssh.run(['test', '-e', `${cached}/.complete`]);
    if (present.code !== 0) {
      await ssh.putFile(`${dir}/${archive.name}.tar`, await readFile(archive.tar), 0o644);
      const unpack = await ssh.run([
        ...sudo, 'sh', '-c',
        'set -e; c=$1 n=$2; shift 2; mkdir -p "$c"; chmod 711 "$c" "${c%/*}"; rm -rf "${c:?}/$n"; mkdir -p "$c/$n/rootfs"; "$@"; touch "$c/.complete"',
        'unpack', cached, archive.name, ...tar, '-xf', `${dir}/${archive.name}.tar`, '-C', `${cached}/${archive.name}/rootfs`,
      ]);
      if (unpack.code !== 0) throw new InfraError(`${formatSshTarget(ssh.endpoint)}: could not unpack the ${archive.name} rootfs: ${unpack.stderr.trim()}`);
    }
    await ssh.run(['ln', '-sfn', `${cached}/${archive.name}`, `${containers}/${archive.name}`]);
  }
  return containers;
}
