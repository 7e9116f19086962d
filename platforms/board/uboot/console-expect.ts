import { InfraError } from '../../../harness/model/errors.js';
import type { Console } from '../../platform.js';

/** Prompts end without a newline, so they are looked for in the unfinished tail; kept bounded. */
const TAIL_BYTES = 512;
/** Recent lines, to say what the firmware printed when a step fails. */
const KEEP_LINES = 12;

/**
 * expect() for a firmware console: wait for a pattern at the end of the output, or for a line, each
 * with a deadline, and either one given up at once when the machine breaks (`broken` rejects).
 */
export class ConsoleExpect {
  private tailText = '';
  private readonly recent: string[] = [];

  constructor(
    private readonly console: Console,
    private readonly broken: Promise<never>,
    private readonly board: string,
  ) {
    console.onData((chunk) => {
      this.tailText = (this.tailText + chunk.toString('latin1')).slice(-TAIL_BYTES);
    });
    console.log.onLine((line) => {
      const text = line.replace(/\r/g, '').trim();
      if (!text || /^#+$/.test(text)) return;
      this.recent.push(text.slice(0, 200));
      if (this.recent.length > KEEP_LINES) this.recent.shift();
    });
  }

  /** The last lines worth quoting in an error (TFTP's progress hashes left out). */
  lastLines(count = 3): string {
    return this.recent.slice(-count).join(' | ');
  }

  /** Resolves with the match once the output's tail matches `pattern` (checked on what is there already too). */
  tail(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return this.wait(timeoutMs, what, (done) => {
      const check = () => {
        const match = pattern.exec(this.tailText);
        if (match) {
          this.tailText = this.tailText.slice(match.index + match[0].length);
          done(match);
        }
      };
      check();
      return this.console.onData(() => check());
    });
  }

  /** Resolves with the match of the first later line that matches `pattern`. */
  line(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return this.wait(timeoutMs, what, (done) =>
      this.console.log.onLine((line) => {
        const match = pattern.exec(line);
        if (match) done(match);
      }),
    );
  }

  private wait(timeoutMs: number, what: string, watch: (done: (m: RegExpExecArray) => void) => () => void): Promise<RegExpExecArray> {
    let off = () => {};
    let timer: NodeJS.Timeout | undefined;
    const found = new Promise<RegExpExecArray>((resolve, reject) => {
      timer = setTimeout(() => {
        const said = this.lastLines();
        reject(new InfraError(`${this.board}: ${what} did not come within ${timeoutMs} ms${said ? `; the console last said: ${said}` : ''}`, { machine: this.board, phase: 'bootloader' }));
      }, timeoutMs);
      off = watch(resolve);
    });
    return Promise.race([found, this.broken]).finally(() => {
      clearTimeout(timer);
      off();
    });
  }
}
