/**
 * A host program a fast test really runs (xmllint, chromium): installed with apt when missing, so a
 * fresh CI machine needs no setup step and a test never passes by skipping the real tool.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureHostTools, findOnPath, type HostTool } from '../../fixtures/host-tools.js';

/** Minutes, not seconds: the first install on a fresh machine downloads the package. */
export const INSTALL_TIMEOUT_MS = 900_000;

/** Test files run in parallel, and two of them may install at once: apt lets one hold its lock. */
const APT_LOCKED = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock directory/;
const LOCK_RETRY_MS = 3_000;

/** The tool's absolute path, after installing its package if it was missing; throws if still missing. */
export async function needHostTool(tool: HostTool): Promise<string> {
  const log = (line: string) => process.stderr.write(`[${tool.command}] ${line}\n`);
  const deadline = Date.now() + INSTALL_TIMEOUT_MS - 60_000;
  while (findOnPath(tool.command) === undefined) {
    try {
      await ensureHostTools({ install: true, log, tools: [tool] });
      break;
    } catch (error) {
      if (!APT_LOCKED.test(String(error)) || Date.now() > deadline) throw error;
      log('apt is busy with another install; waiting');
      await sleep(LOCK_RETRY_MS);
    }
  }
  const path = findOnPath(tool.command);
  if (path === undefined) throw new Error(`${tool.command} is still missing after installing ${tool.package}`);
  return path;
}
