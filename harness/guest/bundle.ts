import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PayloadFile } from '../../platforms/platform.js';
import type { Arch, CaseDef } from '../types.js';
import { containerEnv, execScript, ociConfig } from './oci-config.js';
import { shQuote } from './sh-quote.js';

/**
 * The files one session puts into the guest (docs/protocol.md, "Case files in the guest"): each
 * case's files and, per container, its OCI config, its unshare script and its rootfs name.
 */
export async function casePayload(cases: CaseDef[], arch: Arch, platform: string): Promise<PayloadFile[]> {
  const files: PayloadFile[] = [];
  for (const c of cases) {
    const base = `harness/cases/${c.id}`;
    for (const rel of c.files) {
      const source = join(c.dir, 'files', rel);
      const [data, info] = await Promise.all([readFile(source), stat(source)]);
      files.push({ path: `${base}/files/${rel}`, data, mode: info.mode & 0o777 });
    }
    for (const container of c.containers) {
      const env = { hostname: c.id, args: container.run, env: containerEnv(container.env, arch, c.id, platform) };
      const dir = `${base}/${container.name}`;
      files.push(
        { path: `${dir}/config.json`, data: Buffer.from(JSON.stringify(ociConfig(env), null, 1)), mode: 0o644 },
        { path: `${dir}/exec.sh`, data: Buffer.from(execScript(env, shQuote)), mode: 0o755 },
        { path: `${dir}/rootfs-name`, data: Buffer.from(container.rootfs), mode: 0o644 },
      );
    }
  }
  return files;
}
