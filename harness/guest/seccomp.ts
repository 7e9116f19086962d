import type { Arch } from '../model/types.js';

/** The seccomp architectures of each arch, compat ABIs included: a filter that lists only the native one lets 32-bit calls past. */
const SECCOMP_ARCHES: Readonly<Record<Arch, string[]>> = {
  x86_64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
};

/**
 * The calls Docker's default profile refuses a container, grouped by the capability that, when a
 * case is granted it, makes Docker allow them again. Calls without a capability are never allowed.
 */
const BLOCKED: ReadonlyArray<[capability: string | undefined, calls: string[]]> = [
  [undefined, ['add_key', 'keyctl', 'request_key', 'kexec_load', 'kexec_file_load', 'open_by_handle_at', 'name_to_handle_at', 'uselib', 'userfaultfd', 'nfsservctl', 'create_module', 'get_kernel_syms', 'query_module', '_sysctl', 'sysfs', 'ustat', 'vm86', 'vm86old', 'lookup_dcookie', 'perf_event_open', 'bpf', 'kcmp', 'swapon', 'swapoff', 'iopl', 'ioperm']],
  ['CAP_SYS_ADMIN', ['mount', 'umount', 'umount2', 'pivot_root', 'unshare', 'setns', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'mount_setattr', 'quotactl', 'quotactl_fd', 'clone3', 'fanotify_init']],
  ['CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']],
  ['CAP_SYS_PTRACE', ['ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise']],
  ['CAP_SYS_BOOT', ['reboot']],
  ['CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime', 'clock_adjtime', 'adjtimex']],
  ['CAP_SYS_NICE', ['mbind', 'set_mempolicy', 'move_pages', 'get_mempolicy', 'migrate_pages']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_SYS_PACCT', ['acct']],
];

/**
 * A seccomp filter in the spirit of Docker's default: allow by default, refuse with EPERM what a
 * container has no business calling. `clone3` answers ENOSYS so libc falls back to clone, whose
 * namespace flags the capability set already governs.
 */
export function seccompProfile(arch: Arch, granted: readonly string[]): object {
  const refused = BLOCKED.filter(([cap]) => cap === undefined || !granted.includes(cap)).flatMap(([, calls]) => calls);
  const enosys = refused.filter((c) => c === 'clone3');
  const eperm = refused.filter((c) => c !== 'clone3');
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: SECCOMP_ARCHES[arch],
    syscalls: [
      { names: eperm, action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      ...(enosys.length ? [{ names: enosys, action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] : []),
    ],
  };
}
