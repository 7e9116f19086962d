import { access, lstat, readFile, realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UsageError } from '../model/errors.js';
import { confinementProblem } from '../select/confine.js';
import type { KernelImage } from '../../platforms/platform.js';

/**
 * Opens a LinuxKit-style image by prefix: `<prefix>-kernel`, `<prefix>-initrd.img` and an optional
 * `<prefix>-cmdline`. `where` names the flag or case file that gave the prefix, for the error.
 */
export async function openImage(prefix: string, where: string): Promise<KernelImage> {
  const full = resolve(prefix);
  const kernel = `${full}-kernel`;
  const initrd = `${full}-initrd.img`;
  for (const file of [kernel, initrd]) {
    try {
      await access(file);
    } catch {
      throw new UsageError(where, `image ${prefix}: ${file} does not exist`);
    }
  }
  let cmdline = '';
  try {
    cmdline = (await readFile(`${full}-cmdline`, 'utf8')).trim();
  } catch {
    // LinuxKit images may come without a cmdline file; the platform adds its console.
  }
  return { kind: 'kernel', name: basename(full), kernel, initrd, cmdline };
}

/**
 * Opens the image a case file names, the way the case's files/ are confined: `prefix` is relative
 * to `caseDir`, and each of its files must be a regular file inside that folder, links followed.
 * A link out would boot a host file, or put one's text on the kernel command line. `where` is the
 * case file; the image is opened by the real paths that were checked.
 */
export async function openCaseImage(prefix: string, caseDir: string, where: string): Promise<KernelImage> {
  const full = resolve(caseDir, prefix);
  const realDir = await realpath(caseDir);
  const locate = async (suffix: string): Promise<string | undefined> => {
    const file = full + suffix;
    if (!(await lstat(file).catch(() => undefined))) return undefined;
    const problem = await confinementProblem(file, realDir);
    if (problem) throw new UsageError(where, `image: ${prefix}${suffix}: ${problem}`);
    return realpath(file);
  };
  const kernel = await locate('-kernel');
  const initrd = await locate('-initrd.img');
  const cmdline = await locate('-cmdline');
  if (kernel === undefined || initrd === undefined) {
    const missing = [kernel === undefined && `${prefix}-kernel`, initrd === undefined && `${prefix}-initrd.img`].filter(Boolean);
    throw new UsageError(where, `image: ${missing.join(' and ')} not found in ${caseDir}`);
  }
  return { kind: 'kernel', name: basename(full), kernel, initrd, cmdline: cmdline === undefined ? '' : (await readFile(cmdline, 'utf8')).trim() };
}
