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
import { AGENT_TEXT } from '../../harness/guest/agent-link.js';

/** The agent's own unshare fallback, so the floor isolates each case exactly as the harness does. */
function enterScript(): string {
  const inner = /<<'INNER'\n([\s\S]*?)\nINNER\n/.exec(AGENT_TEXT)?.[1];
  if (inner === undefined) throw new Error("harness/guest/agent.sh: no unshare-init block (<<'INNER' … INNER) to reuse for the floor");
  return `cat >/run/enter.sh <<'ENTER'\n${inner}\nENTER`;
}

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
${enterScript()}
echo bare: ready
`;

function runCase(c: CaseDef, i: number, arch: string): string {
  const env = [`HARNESS_ARCH=${arch}`, `HARNESS_CASE=${c.id}`, 'HARNESS_PLATFORM=bare', ...Object.entries(c.containers[0]?.env ?? {}).map(([k, v]) => `${k}=${shQuote(v)}`)];
  return [
    `r=/run/c${i}; mkdir -p $r/upper $r/work $r/rootfs`,
    `mount -t overlay overlay -o lowerdir=/containers/base/rootfs,upperdir=$r/upper,workdir=$r/work $r/rootfs`,
    `mkdir -p $r/rootfs/case && cp -a /bench/${c.id}/. $r/rootfs/case/`,
    `printf 'hostname %s\\ncd /case\\nexec /bin/sh /case/test.sh\\n' ${shQuote(c.id)} >$r/rootfs/.harness-exec.sh`,
    `env ${env.join(' ')} unshare -m -u -i -n -p -f sh /run/enter.sh $r/rootfs </dev/null`,
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
