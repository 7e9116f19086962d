/**
 * A host program a fast test really runs (xmllint, chromium): installed with apt when missing, so a
 * fresh CI machine needs no setup step and a test never passes by skipping the real tool.
 */
import { ensureHostTools, findOnPath, type HostTool } from '../../fixtures/host-tools.js';

/** Minutes, not seconds: the first install on a fresh machine downloads the package. */
export const INSTALL_TIMEOUT_MS = 900_000;

/** The tool's absolute path, after installing its package if it was missing; throws if still missing. */
export async function needHostTool(tool: HostTool): Promise<string> {
  if (findOnPath(tool.command) === undefined) {
    const log = (line: string) => process.stderr.write(`[${tool.command}] ${line}\n`);
    await ensureHostTools({ install: true, log, tools: [tool] });
  }
  const path = findOnPath(tool.command);
  if (path === undefined) throw new Error(`${tool.command} is still missing after installing ${tool.package}`);
  return path;
}
