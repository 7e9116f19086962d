/**
 * The floor under a case's cost: the same no-op container a bench case runs, with the same isolation
 * (crun, the OCI config the agent would pick, an overlay over the base rootfs owned by the
 * container's root), started straight from /init in a loop, with no agent and no host in between.
 * The bundles are made before the loop; each run is stamped on the kernel log, so a case's figure is
 * the guest's own clock around `crun run` and the shell's fork of it. crun starts from a sealed copy
 * made by the compiled agent (`harness-agentd sealed-exec`), as the agent starts it: crun's own copy
 * of itself at each start is no part of the container. The stamps stay off the console until the
 * loop is over: printing them there (slow on s390x's SCLP) would count as the floor.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesSrcDir } from '../fixtures/paths.js';
import { casePayload } from '../harness/guest/bundle.js';
import { concatInitrd, CpioBuilder } from '../harness/image/cpio.js';
import type { Reaper } from '../harness/lifecycle/reaper.js';
import { DEFAULT_TIMEOUTS } from '../harness/run/run-targets.js';
import { runSession } from '../harness/run/session.js';
import type { Arch, CaseDef } from '../harness/model/types.js';
import type { KernelImage, Platform } from '../platforms/platform.js';

const SHELL_LINE = 'exec setsid cttyhack sh\n';

/** Prepares `count` bundles from the case's payload, then runs and stamps them one after the other. */
function floorScript(c: CaseDef, count: number, agentd: string): string {
  const src = `/harness/cases/${c.id}`;
  const ctr = c.containers[0]!.name;
  return `B=/run/floor
# As the host's bootstrap does before an agent: the kernel keeps its messages off the console.
dmesg -n 1
i=1
while [ $i -le ${count} ]; do
  b=$B/b$i
  mkdir -p $b/rootfs $b/upper $b/work
  chown 100000:100000 $b/upper $b/work
  mount -t overlay overlay -o lowerdir=/containers/base/rootfs,upperdir=$b/upper,workdir=$b/work $b/rootfs
  cp -a ${src}/files/. $b/rootfs/case/
  chown -R 100000:100000 $b/rootfs/case
  cp ${src}/${ctr}/config.json $b/config.json
  i=$((i + 1))
done
CRUN=$(command -v crun)
i=1
while [ $i -le ${count} ]; do
  echo "harness-floor $i start" >/dev/kmsg
  ${agentd} sealed-exec "$CRUN" --root $B/oci run -b $B/b$i f$i >$B/out$i 2>&1 </dev/null
  echo "harness-floor $i end $?" >/dev/kmsg
  i=$((i + 1))
done
dmesg | grep harness-floor
echo 'TAP version 14'
echo '1..1'
echo 'ok 1 - floor'
poweroff -f
`;
}

/** The harness image with its /init ending in the floor loop instead of a shell for the agent. */
async function floorImage(image: KernelImage, c: CaseDef, arch: Arch, count: number, agentd: Buffer, dir: string): Promise<KernelImage> {
  const init = await readFile(join(fixturesSrcDir, 'init.sh'), 'utf8');
  if (!init.endsWith(SHELL_LINE)) throw new Error(`fixtures/init.sh no longer ends with ${JSON.stringify(SHELL_LINE)}`);
  const archive = new CpioBuilder();
  // A later archive's file replaces an earlier one's: this /init wins over the image's own.
  archive.file('init', init.slice(0, -SHELL_LINE.length) + 'exec sh /harness/floor.sh\n', 0o755);
  archive.file('harness/floor.sh', floorScript(c, count, '/harness/bin/harness-agentd-$(uname -m)'), 0o755);
  for (const f of await casePayload([c], arch, `qemu:${arch}`, agentd)) archive.file(`harness/${f.path}`, f.data, f.mode);
  const initrd = join(dir, `floor-${arch}-initrd.img`);
  if (!image.initrd) throw new Error(`${arch}: the bundled image has no initrd`);
  await writeFile(initrd, concatInitrd([await readFile(image.initrd), archive.toBuffer()]));
  return { ...image, name: 'floor', initrd };
}

export interface FloorOptions {
  platform: Platform;
  accel: string;
  image: KernelImage;
  arch: Arch;
  /** The no-op case the agents run; its first container is the floor's. */
  noop: CaseDef;
  count: number;
  /** The compiled agent for `arch`: it starts crun as a session's agent does. */
  agentd: string;
  outDir: string;
  reaper: Reaper;
}

/** ms per `crun run` of the no-op container, one entry per run, from the guest's printk clock. */
export async function measureFloor(o: FloorOptions): Promise<number[]> {
  await mkdir(o.outDir, { recursive: true });
  const image = await floorImage(o.image, o.noop, o.arch, o.count, await readFile(o.agentd), o.outDir);
  const own: CaseDef = { ...o.noop, id: 'floor', imageRunsOwnTests: true, containers: [], files: [], timeoutMs: 600_000 };
  const { results, boot } = await runSession(
    { id: `floor-${o.arch}`, target: 0, arch: o.arch, mode: 'own-tests', cases: [own], repeat: 1 },
    { platform: o.platform, accel: o.accel, image, rootfs: [], outDir: o.outDir, reporter: {}, timeouts: DEFAULT_TIMEOUTS, stopped: () => o.reaper.stopped, signal: o.reaper.signal, secrets: [], bootSamples: false },
  );
  if (results[0]?.outcome !== 'pass') throw new Error(`${o.arch}: the floor boot did not finish: ${results[0]?.reason}`);
  const starts = new Map<number, number>();
  const runs: number[] = [];
  for (const m of (await readFile(boot.consoleLog, 'utf8')).matchAll(/\[\s*(\d+\.\d+)\] harness-floor (\d+) (start|end(?: (\d+))?)/g)) {
    const at = Number(m[1]) * 1000;
    if (m[3] === 'start') starts.set(Number(m[2]), at);
    else if (m[4] !== '0') throw new Error(`${o.arch}: floor run ${m[2]} exited ${m[4]}`);
    else runs.push(at - starts.get(Number(m[2]))!);
  }
  if (runs.length !== o.count) throw new Error(`${o.arch}: ${runs.length} of ${o.count} floor runs stamped on the console`);
  return runs;
}
