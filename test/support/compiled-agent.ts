import { readFile } from 'node:fs/promises';
import { ensureAgentd } from '../../fixtures/agentd.js';

/** The compiled agent for the host's arch (x86_64), built by the fixture builder if need be. */
export async function compiledAgent(): Promise<Buffer> {
  const built = await ensureAgentd(['x86_64'], { log: (line) => process.stderr.write(`[agentd] ${line}\n`) });
  if (!built.x86_64) throw new Error('no compiled agent for x86_64: install gcc and libc6-dev (harness setup)');
  return readFile(built.x86_64.path);
}
