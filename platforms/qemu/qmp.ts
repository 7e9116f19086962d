import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { InfraError } from '../../harness/model/errors.js';

type Reply = { return?: unknown; error?: { class: string; desc: string }; event?: string; QMP?: unknown };

/** Replies and events are small JSON lines; a monitor that sends more is not QEMU's. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * A QEMU monitor on the boot's private UNIX socket (mode 0700 folder), used only to save and restore
 * a VM's state. One command at a time: each waits for its reply, events in between are skipped.
 */
export class Qmp {
  private buffer = '';
  private waiting: ((reply: Reply) => void) | undefined;
  private rejectWaiting: ((error: Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      if (this.buffer.length > MAX_LINE_BYTES) return this.fail(new InfraError('the QEMU monitor sent a line past 1 MiB'));
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        let reply: Reply;
        try {
          reply = JSON.parse(line) as Reply;
        } catch {
          return this.fail(new InfraError(`the QEMU monitor sent something that is not JSON: ${line.slice(0, 80)}`));
        }
        if (reply.event !== undefined || reply.QMP !== undefined) continue;
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.(reply);
      }
    });
    socket.on('error', (error) => this.fail(new InfraError(`the QEMU monitor connection failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.fail(new InfraError('the QEMU monitor connection closed')));
  }

  /** Connects and leaves capabilities negotiation mode. */
  static async connect(path: string): Promise<Qmp> {
    const socket = createConnection(path);
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([e]) => Promise.reject(e))]);
    const qmp = new Qmp(socket);
    await qmp.execute('qmp_capabilities');
    return qmp;
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.failure) throw this.failure;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiting = resolve;
      this.rejectWaiting = reject;
      this.socket.write(`${JSON.stringify({ execute: command, ...(args && { arguments: args }) })}\n`);
    });
    if (reply.error) throw new InfraError(`QEMU refused ${command}: ${reply.error.class}: ${reply.error.desc}`);
    return reply.return;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const reject = this.rejectWaiting;
    this.waiting = undefined;
    this.rejectWaiting = undefined;
    reject?.(this.failure);
    this.socket.destroy();
  }
}
