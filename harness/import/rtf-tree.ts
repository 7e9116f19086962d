import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../model/errors.js';
import { parseRtfTags, rtfName, type RtfTags } from './rtf-tags.js';

/** A test folder of an rtf tree (LinuxKit's test/cases), as read: nothing in it is run. */
export interface RtfTest {
  /** rtf's name: the groups and the test, order numbers cut, joined by dots (`packages.sysctl`). */
  name: string;
  /** Its folder, relative to the tree. */
  rel: string;
  tags: RtfTags;
  /** The labels of every group.sh above it, then its own. */
  labels: string[];
  testSh?: string;
  checkSh?: Buffer;
  /** A test.ps1 without a test.sh: rtf runs it under PowerShell. */
  powershellOnly: boolean;
  /** A LinuxKit image definition (test.yml and the like) beside the scripts. */
  hasYml: boolean;
}

export interface RtfTree {
  root: string;
  tests: RtfTest[];
  /** Entries left alone, with why: links, oversized or unreadable scripts. */
  skipped: Array<{ rel: string; reason: string }>;
}

/** A script larger than this is no test script; reading it whole would only cost memory. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;
const MAX_DEPTH = 16;
const MAX_ENTRIES = 50_000;

/**
 * Reads an rtf tree without following a single link inside it: a link could lead out of the tree
 * and copy a host file into a case. Scripts are opened with O_NOFOLLOW, so a file swapped for a link
 * while the tree is read is refused too.
 */
export async function readRtfTree(dir: string): Promise<RtfTree> {
  const root = await realpath(dir).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(dir, `cannot read the rtf tree: ${error.code ?? error.message}`);
  });
  if (!(await lstat(root)).isDirectory()) throw new UsageError(dir, 'is not a folder: name the folder of rtf tests (LinuxKit: test/cases)');
  const tree: RtfTree = { root, tests: [], skipped: [] };
  let entries = 0;

  const walk = async (rel: string, names: string[], labels: string[], depth: number): Promise<void> => {
    const here = join(root, rel);
    const listing = (await readdir(here, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    entries += listing.length;
    if (entries > MAX_ENTRIES) throw new UsageError(dir, `holds more than ${MAX_ENTRIES} entries: not an rtf tree`);
    const files = new Map(listing.filter((e) => !e.isDirectory()).map((e) => [e.name, e]));
    const script = async (name: string): Promise<Buffer | undefined> => {
      const entry = files.get(name);
      if (entry === undefined) return undefined;
      const read = await readScript(join(here, name));
      if (typeof read === 'string') tree.skipped.push({ rel: join(rel, name), reason: read });
      return typeof read === 'string' ? undefined : read;
    };
    const group = await script('group.sh');
    const inherited = [...labels, ...(group ? parseRtfTags(group.toString('utf8')).labels : [])];
    if (depth > 0 && (files.has('test.sh') || files.has('test.ps1'))) {
      const testSh = await script('test.sh');
      const text = testSh?.toString('utf8');
      const tags = parseRtfTags(text ?? '');
      tree.tests.push({
        name: names.join('.'),
        rel,
        tags,
        labels: [...inherited, ...tags.labels],
        ...(text !== undefined && { testSh: text }),
        ...(files.has('check.sh') && { checkSh: await script('check.sh') }),
        powershellOnly: !files.has('test.sh') && files.has('test.ps1'),
        hasYml: [...files.keys()].some((n) => n.endsWith('.yml') || n.endsWith('.yaml')),
      });
      return;
    }
    for (const entry of listing) {
      const childRel = join(rel, entry.name);
      // rtf passes over folders starting with `_` (LinuxKit keeps its shell library in _lib).
      if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
      if (entry.isSymbolicLink()) tree.skipped.push({ rel: childRel, reason: 'a symlink: links are not followed' });
      else if (entry.isDirectory()) {
        if (depth + 1 > MAX_DEPTH) tree.skipped.push({ rel: childRel, reason: `deeper than ${MAX_DEPTH} folders` });
        else await walk(childRel, [...names, rtfName(entry.name)], inherited, depth + 1);
      }
    }
  };
  await walk('', [], [], 0);
  if (tree.tests.length === 0) {
    throw new UsageError(dir, 'holds no rtf tests: a test is a folder with a test.sh (LinuxKit keeps them under test/cases)');
  }
  return tree;
}

/** The script's bytes, or why it was left alone. */
async function readScript(file: string): Promise<Buffer | string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? 'a symlink: links are not followed' : `cannot read: ${code ?? String(error)}`;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return 'not a regular file';
    if (info.size > MAX_SCRIPT_BYTES) return `larger than ${MAX_SCRIPT_BYTES} bytes`;
    // Read no more than was stat'ed: a file still growing cannot make the read unbounded.
    const bytes = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(bytes, 0, info.size, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
