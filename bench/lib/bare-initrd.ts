/**
 * The floor of P1: the bundled initrd with another /init that runs the same case scripts straight
 * from boot, each in its own unshare namespaces over an overlay of the base rootfs, prints their
 * output on the console and powers off. No harness, no agent, no frames: what QEMU and the cases
 * cost by themselves.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { concatInitrd, CpioBuilder } from '../../harness/image/cpio.js';
import { shQuote } from '../../harness/guest/sh-quote.js';
import type { CaseDef } from '../../harness/model/types.js';

const SETUP = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
[ -s /etc/modules ] && modprobe -qa $(cat /etc/modules)
ip link set lo up
cat >/run/enter.sh <<'ENTER'
r=$1
mount --make-rprivate / 2>/dev/null
mount -t proc proc "$r/proc"
mount -t sysfs -o ro sysfs "$r/sys"
mkdir -p "$r/sys/fs/cgroup" && mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup" 2>/dev/null
mount -t tmpfs -o mode=755 dev "$r/dev"
for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do set -- $n; mknod -m 666 "$r/dev/$1" c "$2" "$3"; done
mount -t tmpfs tmpfs "$r/tmp"
hostname "$2"
exec chroot "$r" /bin/sh /case/test.sh
ENTER
echo bare: ready
`;

function runCase(c: CaseDef, i: number, arch: string): string {
  const env = [`HARNESS_ARCH=${arch}`, `HARNESS_CASE=${c.id}`, 'HARNESS_PLATFORM=bare', ...Object.entries(c.containers[0]?.env ?? {}).map(([k, v]) => `${k}=${shQuote(v)}`)];
  return [
    `r=/run/c${i}; mkdir -p $r/upper $r/work $r/rootfs`,
    `mount -t overlay overlay -o lowerdir=/containers/base/rootfs,upperdir=$r/upper,workdir=$r/work $r/rootfs`,
    `mkdir -p $r/rootfs/case && cp -a /bench/${c.id}/. $r/rootfs/case/`,
    `env ${env.join(' ')} unshare -m -u -i -n -p -f sh /run/enter.sh $r/rootfs ${shQuote(c.id)} </dev/null`,
    `echo "bare: done ${c.id} $?"`,
  ].join('\n');
}

/** Writes the floor's initrd for these cases next to `out` and returns its path. */
export async function bareInitrd(baseInitrd: string, cases: CaseDef[], arch: string, out: string): Promise<string> {
  const tree = new CpioBuilder();
  const init = `${SETUP}${cases.map((c, i) => runCase(c, i, arch)).join('\n')}\nsync\npoweroff -f\n`;
  tree.file('init', init, 0o755);
  for (const c of cases) {
    for (const rel of c.shared?.files ?? []) tree.file(`bench/${c.id}/lib/${rel}`, await readFile(join(c.shared!.dir, rel)), 0o644);
    for (const rel of c.files) tree.file(`bench/${c.id}/${rel}`, await readFile(join(c.dir, 'files', rel)), 0o755);
  }
  await writeFile(out, concatInitrd([await readFile(baseInitrd), tree.toBuffer()]));
  return out;
}
