/**
 * What the fault suite knows about processes, from /proc alone (Linux): the process table, a
 * process's peak memory, and a tracker that remembers every descendant of a harness while it runs,
 * so whatever outlives it can be found after its process tree has been torn apart.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat): with the pid, a process's identity. */
  start: number;
}

export interface SeenProcess extends ProcInfo {
  /** argv joined with spaces; for setpriv that exec'd QEMU, the latest one seen. */
  cmdline: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** One process's pid, parent and start time, or undefined when it is gone (or a zombie). */
export function procInfo(pid: number): ProcInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name is in parentheses and may hold spaces or parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, ppid: Number(fields[1]), start: Number(fields[19]) };
}

export function cmdlineOf(pid: number): string | undefined {
  const raw = readText(`/proc/${pid}/cmdline`);
  return raw === undefined ? undefined : raw.replace(/\0+$/, '').replace(/\0/g, ' ');
}

/** Every live process. */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** True while the very process that was seen (not a later one with the same pid) is alive. */
export function stillAlive(p: ProcInfo): boolean {
  const now = procInfo(p.pid);
  return now !== undefined && now.start === p.start;
}

/** VmHWM (peak resident set) of a live process, in KiB. */
export function peakRssKiB(pid: number): number | undefined {
  const status = readText(`/proc/${pid}/status`);
  const match = status && /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * Polls the process table while a harness runs: remembers each descendant (QEMU through setpriv, the
 * guardian, tsx's esbuild service) and the harness's peak memory, read until the harness is gone.
 */
export class ProcessTracker {
  readonly seen = new Map<string, SeenProcess>();
  peakKiB: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly rootPid: number,
    intervalMs = 100,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  poll(): void {
    const rss = peakRssKiB(this.rootPid);
    if (rss !== undefined) this.peakKiB = Math.max(this.peakKiB ?? 0, rss);
    const table = processTable();
    const children = new Map<number, ProcInfo[]>();
    for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    const queue = [...(children.get(this.rootPid) ?? [])];
    for (let p = queue.shift(); p; p = queue.shift()) {
      const key = `${p.pid}:${p.start}`;
      const cmdline = cmdlineOf(p.pid);
      const known = this.seen.get(key);
      if (!known) this.seen.set(key, { ...p, cmdline: cmdline ?? '?' });
      else if (cmdline && cmdline !== known.cmdline) known.cmdline = cmdline;
      queue.push(...(children.get(p.pid) ?? []));
    }
  }

  /** Descendants seen whose command line matches. */
  find(test: (cmdline: string) => boolean): SeenProcess[] {
    return [...this.seen.values()].filter((p) => test(p.cmdline));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
