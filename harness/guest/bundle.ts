import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PayloadFile } from '../../platforms/platform.js';
import type { Arch, CaseDef } from '../model/types.js';
import { AGENT_TEXT } from './agent-link.js';
import { containerEnv, execScript, ociConfig, type ConfigVariant } from './oci-config.js';
import { shQuote } from './sh-quote.js';

const VARIANTS: Record<ConfigVariant, string> = { userns: 'config.json', rootns: 'config-rootns.json', nopivot: 'config-nopivot.json' };

/** `uname -m` per arch: agent.sh runs only the compiled agent named for the machine it is on. */
const UNAME_MACHINE: Record<Arch, string> = { x86_64: 'x86_64', arm64: 'aarch64', s390x: 's390x' };

/**
 * agent.sh as a payload file. Where the payload is in the guest before the agent starts (in the
 * initrd, or kept in a saved state) it runs from there; elsewhere it is typed in, 11 KB through a
 * UART that takes a few hundred milliseconds under TCG.
 */
export const AGENT_FILE: PayloadFile = { path: 'bin/harness-agent.sh', data: Buffer.from(AGENT_TEXT), mode: 0o644 };

/**
 * The agent's own files, the same in every session: a platform may keep them in a saved state. They
 * are never put through agent.sh, which reads what it is put one fork per few bytes.
 */
export const isAgentFile = (f: PayloadFile): boolean => f.path.startsWith('bin/');

/**
 * The files one session puts on the target (docs/protocol.md, "Case files"), relative to its
 * payload folder: the compiled agent when there is one, each case's files and, per container, its
 * OCI configs (one per variant the agent may pick), its unshare script and its rootfs name.
 */
export async function casePayload(cases: CaseDef[], arch: Arch, platform: string, agentd?: Buffer): Promise<PayloadFile[]> {
  const files: PayloadFile[] = agentd ? [{ path: `bin/harness-agentd-${UNAME_MACHINE[arch]}`, data: agentd, mode: 0o755 }] : [];
  for (const c of cases) {
    const base = `cases/${c.id}`;
    // The suite's shared lib/ first, so a case's own files/lib/... wins where both exist.
    const sources = [
      ...(c.shared?.files.map((rel) => ({ from: join(c.shared!.dir, rel), to: `lib/${rel}` })) ?? []),
      ...c.files.map((rel) => ({ from: join(c.dir, 'files', rel), to: rel })),
    ];
    for (const { from, to } of sources) {
      const [data, info] = await Promise.all([readFile(from), stat(from)]);
      files.push({ path: `${base}/files/${to}`, data, mode: info.mode & 0o777 });
    }
    for (const container of c.containers) {
      const env = {
        hostname: c.id,
        args: container.run,
        env: containerEnv(container.env, arch, c.id, platform),
        arch,
        privileged: c.privileged,
        capabilities: c.capabilities,
      };
      const dir = `${base}/${container.name}`;
      for (const [variant, file] of Object.entries(VARIANTS) as [ConfigVariant, string][]) {
        files.push({ path: `${dir}/${file}`, data: Buffer.from(JSON.stringify(ociConfig(env, variant), null, 1)), mode: 0o644 });
      }
      files.push(
        { path: `${dir}/exec.sh`, data: Buffer.from(execScript(env, shQuote)), mode: 0o755 },
        { path: `${dir}/rootfs-name`, data: Buffer.from(container.rootfs), mode: 0o644 },
      );
    }
  }
  return files;
}
