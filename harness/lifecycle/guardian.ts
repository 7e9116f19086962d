import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../model/errors.js';

/**
 * A path is sent as the rest of one line: a newline or CR (readline ends a line at either) would
 * register a second path, one the guardian removes if the harness dies; a NUL makes its rmSync throw
 * before it removes the others.
 */
function lineSafe(path: string): string {
  if (/[\n\r\0]/.test(path)) throw new InternalError(`${JSON.stringify(path)} cannot be guarded: it holds a line break or NUL`);
  return path;
}

/**
 * The harness side of harness/guardian-main.ts. Registering is a line on a pipe, so it costs nothing
 * and survives any way the harness can die: the kernel closes the pipe even on SIGKILL.
 */
export class Guardian {
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.child = child;
  }

  static start(): Guardian {
    // Run the guardian the way this module runs: from TypeScript sources under tsx, or compiled.
    const self = fileURLToPath(import.meta.url);
    const main = self.replace(/guardian\.(ts|js)$/, 'guardian-main.$1');
    // Its own folder as cwd: the caller's may be a temp folder that is gone before the guardian has loaded.
    const child = spawn(process.execPath, [...process.execArgv, main], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, cwd: dirname(main) });
    child.unref();
    child.stdin!.on('error', () => {
      // The guardian is gone; nothing more to tell it.
    });
    return new Guardian(child);
  }

  guardPid(pid: number): void {
    this.send(`add pid ${pid}`);
  }

  releasePid(pid: number): void {
    this.send(`del pid ${pid}`);
  }

  guardPath(path: string): void {
    this.send(`add path ${lineSafe(path)}`);
  }

  releasePath(path: string): void {
    this.send(`del path ${lineSafe(path)}`);
  }

  /** A clean exit: the guardian leaves whatever is still registered alone. */
  close(): void {
    this.send('bye');
    this.child.stdin!.end();
  }

  private send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
}
