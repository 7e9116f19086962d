import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatGuardedCommand, type GuardedCommand } from './guarded-command.js';

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
    const child = spawn(process.execPath, [...process.execArgv, main], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
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
    this.send(`add path ${path}`);
  }

  releasePath(path: string): void {
    this.send(`del path ${path}`);
  }

  /** Runs `command` if the harness dies without `close()`, after the processes and folders are gone. */
  guardCommand(command: GuardedCommand): void {
    this.send(`add cmd ${formatGuardedCommand(command)}`);
  }

  releaseCommand(command: GuardedCommand): void {
    this.send(`del cmd ${formatGuardedCommand(command)}`);
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
