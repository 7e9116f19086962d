import { join } from 'node:path';
import { InternalError } from '../model/errors.js';

/**
 * A path segment that is a name and nothing else: no separator, not `.` or `..`. Case ids and
 * container names are checked on load to be stricter still (NAME_PATTERN in select/schema.ts).
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function segment(what: string, name: string): string {
  if (!SEGMENT.test(name)) throw new InternalError(`${what} ${JSON.stringify(name)} cannot name a file`);
  return name;
}

/**
 * Where one stream of one container goes: `<dir>/<boot>/<case>/<container>.<stream>`. Names may
 * contain dots and dashes, so joining them with either let two cases share a file; none contains
 * `/`, so each name is a folder or a file of its own and the path tells them apart. The stream is
 * the part after the last dot.
 */
export function outputFile(dir: string, bootId: string, caseId: string, container: string, stream: 'stdout' | 'stderr'): string {
  return join(dir, segment('boot id', bootId), segment('case id', caseId), `${segment('container name', container)}.${stream}`);
}
