import type { SshConnection } from '../shared/ssh/connection.js';

export interface HostFacts {
  machine: string;
  kernel: string;
  cpu: string;
  cores: number;
  root: boolean;
  sudo: boolean;
  /** OCI runtimes the host has of its own. */
  runtimes: string[];
}

/**
 * One round trip for everything the probe needs; POSIX sh that any host's /bin/sh runs. Every line
 * is `key=value`: the host's answers are read as text, never run.
 */
const SCRIPT = [
  'echo "machine=$(uname -m)"',
  'echo "kernel=$(uname -r)"',
  'echo "uid=$(id -u)"',
  'echo "cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1)"',
  "echo \"cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)\"",
  'for r in crun runc; do command -v "$r" >/dev/null 2>&1 && echo "runtime=$r"; done',
  'sudo -n true >/dev/null 2>&1 && echo sudo=1',
].join('\n');

export async function probeHost(ssh: SshConnection): Promise<HostFacts> {
  const { stdout } = await ssh.run(['sh', '-c', SCRIPT], { maxBytes: 64 * 1024 });
  const facts: HostFacts = { machine: 'unknown', kernel: 'unknown', cpu: 'unknown', cores: 1, root: false, sudo: false, runtimes: [] };
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at < 0) continue;
    const [key, value] = [line.slice(0, at), line.slice(at + 1).trim().slice(0, 200)];
    if (key === 'machine') facts.machine = value;
    else if (key === 'kernel') facts.kernel = value;
    else if (key === 'cpu' && value) facts.cpu = value;
    else if (key === 'cores') facts.cores = Number.parseInt(value, 10) || 1;
    else if (key === 'uid') facts.root = value === '0';
    else if (key === 'sudo') facts.sudo = true;
    else if (key === 'runtime') facts.runtimes.push(value);
  }
  return facts;
}
