import { randomBytes } from 'node:crypto';
import type { BootWatch } from '../boot/boot-watch.js';
import { TimeoutError } from '../model/errors.js';
import type { Console, ConsoleLogin } from '../../platforms/platform.js';

/** Prompts end a line without a newline, so they are looked for in the console's unfinished tail. */
const LOGIN_PROMPT = /login:\s*$/i;
const PASSWORD_PROMPT = /password:\s*$/i;
const PROMPT_TAIL_BYTES = 256;

/** Resolves when the console's latest bytes end with `prompt`. */
function awaitPrompt(console: Console, prompt: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const timer = setTimeout(() => {
      off();
      reject(new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = console.onData((chunk) => {
      tail = (tail + chunk.toString('latin1')).slice(-PROMPT_TAIL_BYTES);
      if (prompt.test(tail)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/** Logs in at a console's login prompt; the password is typed, never echoed into the log by us. */
export async function consoleLogin(console: Console, login: ConsoleLogin, timeoutMs: number): Promise<void> {
  // A prompt printed before we listened is asked for again by an empty line.
  const prompt = awaitPrompt(console, LOGIN_PROMPT, timeoutMs, 'the login prompt');
  await console.write('\n');
  await prompt;
  const password = login.password === undefined ? undefined : awaitPrompt(console, PASSWORD_PROMPT, timeoutMs, 'the password prompt');
  await console.write(`${login.user}\n`);
  if (password) {
    await password;
    await quiet(console, PASSWORD_SETTLE_MS, timeoutMs);
    await console.write(`${login.password}\n`);
  }
}

/**
 * Busybox's login (and others) print "Password:" and only then turn echo off; a password typed in
 * between would be echoed onto the console. The console going quiet is the best sign of the switch.
 */
const PASSWORD_SETTLE_MS = 150;

function quiet(console: Console, ms: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      clearTimeout(limit);
      off();
      resolve();
    };
    let timer = setTimeout(done, ms);
    const limit = setTimeout(done, maxMs);
    const off = console.onData(() => {
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    });
  });
}

/**
 * Turns echo off before anything else is typed: an echoed line would otherwise fill the console log
 * with the agent's text. The marker is split by quotes so its echo never matches.
 */
export async function bootstrapShell(console: Console, watch: BootWatch, timeoutMs: number, resumed = false): Promise<void> {
  const seen = watch.waitForLine((line) => line.includes('harness-bootstrapped'), timeoutMs, 'the console shell to accept commands');
  // Empty prompts keep the heredoc that follows from filling the console log with "> ".
  await console.write(`stty -echo; dmesg -n 1; PS1= PS2=; ${resumed ? freshenRestored() : ''}echo harness-""bootstrapped\n`);
  await seen;
}

/**
 * Every guest restored from one snapshot would share its clock and its random pool: each gets the
 * host's time, and fresh bytes mixed into its pool (writing to /dev/urandom mixes, it never replaces).
 */
function freshenRestored(): string {
  const seconds = Math.floor(Date.now() / 1000);
  return `date -u -s @${seconds} >/dev/null 2>&1; printf %s ${randomBytes(64).toString('hex')} >/dev/urandom; `;
}
