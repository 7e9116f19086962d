import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

/** The host CPU model: boot times are only comparable on like hardware. */
export async function hostCpuModel(): Promise<string> {
  const info = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  // x86 says "model name"; arm64 hosts often only give the implementer and part numbers.
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${model.trim()} x${cpus().length}`;
}
