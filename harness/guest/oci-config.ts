import type { Arch } from '../model/types.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../model/capabilities.js';
import { seccompProfile } from './seccomp.js';

export interface ContainerEnvironment {
  hostname: string;
  args: string[];
  env: Record<string, string>;
  arch: Arch;
  /** The case asked for everything: every capability, no seccomp, nothing masked (docker --privileged). */
  privileged: boolean;
  /** Capabilities the case asked for beyond the default set. */
  capabilities: string[];
}

/** The variants the agent picks from, by what the target allows (docs/security.md). */
export type ConfigVariant = 'userns' | 'rootns' | 'nopivot';

const PATH = '/bin:/sbin:/usr/bin:/usr/sbin';

/** The OCI runtime-spec defaults (and Docker's): kernel state a container must neither read nor change. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Container root is this uid outside its user namespace; the bundled rootfs are owned by it. */
export const CONTAINER_ROOT_UID = 100000;
const ID_RANGE = 65536;

/** Character devices a container may open; everything else (block devices above all) is refused by the device cgroup. */
const DEVICES = [
  { allow: false, access: 'rwm' },
  ...[[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2], [136, -1]].map(([major, minor]) => ({
    allow: true,
    type: 'c',
    major,
    ...(minor! >= 0 && { minor }),
    access: 'rwm',
  })),
];

export function containerEnv(base: Record<string, string>, arch: Arch, caseId: string, platform: string): Record<string, string> {
  return { PATH, HOME: '/root', HARNESS_ARCH: arch, HARNESS_CASE: caseId, HARNESS_PLATFORM: platform, ...base };
}

export function grantedCapabilities(c: Pick<ContainerEnvironment, 'privileged' | 'capabilities'>, variant: ConfigVariant): string[] {
  if (c.privileged) return [...ALL_CAPABILITIES];
  const caps = [...new Set([...DEFAULT_CAPABILITIES, ...c.capabilities])];
  // Without pivot_root the root is only a chroot, which CAP_SYS_CHROOT could leave.
  return variant === 'nopivot' ? caps.filter((cap) => cap !== 'CAP_SYS_CHROOT') : caps;
}

/** The OCI runtime config (runtime-spec 1.0) for one case container in the default security profile. */
export function ociConfig(c: ContainerEnvironment, variant: ConfigVariant): object {
  const caps = grantedCapabilities(c, variant);
  const userns = variant === 'userns';
  const mapping = [{ containerID: 0, hostID: CONTAINER_ROOT_UID, size: ID_RANGE }];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: c.args,
      env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: !c.privileged,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: c.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }, ...(userns ? [{ type: 'user' }] : [])],
      ...(userns && { uidMappings: mapping, gidMappings: mapping }),
      ...(!c.privileged && {
        maskedPaths: MASKED_PATHS,
        readonlyPaths: READONLY_PATHS,
        seccomp: seccompProfile(c.arch, caps),
        resources: { devices: DEVICES },
      }),
    },
  };
}

/** The same container for the unshare fallback, which has no OCI config: a script that sets the env and execs argv. */
export function execScript(c: Pick<ContainerEnvironment, 'env' | 'args'>, quote: (s: string) => string): string {
  const exports = Object.entries(c.env).map(([k, v]) => `export ${k}=${quote(v)}\n`).join('');
  return `${exports}cd /\nexec ${c.args.map(quote).join(' ')}\n`;
}
