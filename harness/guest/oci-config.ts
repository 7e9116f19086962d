import type { Arch } from '../model/types.js';

export interface ContainerEnvironment {
  hostname: string;
  args: string[];
  env: Record<string, string>;
}

const PATH = '/bin:/sbin:/usr/bin:/usr/sbin';

/**
 * Capabilities a test may need inside its own namespaces (hostname, bringing up lo, raw ping).
 * They stay scoped to the container's user-invisible namespaces; the guest is a throwaway VM.
 */
const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_NET_ADMIN', 'CAP_SYS_CHROOT', 'CAP_SYS_ADMIN',
  'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
];

export function containerEnv(base: Record<string, string>, arch: Arch, caseId: string, platform: string): Record<string, string> {
  return { PATH, HOME: '/root', HARNESS_ARCH: arch, HARNESS_CASE: caseId, HARNESS_PLATFORM: platform, ...base };
}

/** The OCI runtime config (runtime-spec 1.0) for one case container: its own mount, pid, net, uts and ipc namespaces. */
export function ociConfig(c: ContainerEnvironment): object {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: c.args,
      env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      cwd: '/',
      capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: c.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The same container for the unshare fallback, which has no OCI config: a script that sets the env and execs argv. */
export function execScript(c: ContainerEnvironment, quote: (s: string) => string): string {
  const exports = Object.entries(c.env).map(([k, v]) => `export ${k}=${quote(v)}\n`).join('');
  return `${exports}cd /\nexec ${c.args.map(quote).join(' ')}\n`;
}
