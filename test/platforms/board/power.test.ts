import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandPower } from '../../../platforms/board/power/command-power.js';
import { manualPower } from '../../../platforms/board/power/manual-power.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-power-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real program as the power switch: it appends its argument to a file in the folder it runs in. */
const node = (action: string) => [process.execPath, '-e', 'require("fs").appendFileSync("switch.log", process.argv[1] + "\\n")', action];

describe('command power', () => {
  it('runs each action as an argument array in the lab folder, and cycles as off then on', async () => {
    const power = commandPower({ on: node('on; rm -rf /'), off: node('off'), timeoutMs: 10_000, cwd: dir }, 'b');
    await power.on();
    await power.cycle();
    expect(readFileSync(join(dir, 'switch.log'), 'utf8')).toBe('on; rm -rf /\noff\non; rm -rf /\n');
  });

  it('fails with the exit code and the last line of stderr, or the timeout', async () => {
    const failing = commandPower({ on: [process.execPath, '-e', 'console.error("relay: no such port"); process.exit(3)'], off: ['/nonexistent/relay'], timeoutMs: 10_000, cwd: dir }, 'b');
    await expect(failing.on()).rejects.toThrow(/^b: power on: .*node exited 3: relay: no such port$/);
    await expect(failing.off()).rejects.toThrow(/^b: power off: cannot run \/nonexistent\/relay: .*ENOENT/);
    const slow = commandPower({ on: [process.execPath, '-e', 'setTimeout(() => {}, 10000)'], off: ['true'], timeoutMs: 200, cwd: dir }, 'b');
    await expect(slow.on()).rejects.toThrow(/did not finish within 200 ms/);
  });
});

describe('manual power', () => {
  it('fails at once where nobody can answer, and asks the operator otherwise', async () => {
    await expect(manualPower({ present: false, ask: async () => undefined }, 'b').on()).rejects.toThrow(/switched by hand .* stdin is not a terminal or CI is set/);
    const asked: string[] = [];
    await manualPower({ present: true, ask: async (q) => void asked.push(q) }, 'b').cycle();
    expect(asked).toEqual(['b: switch the board OFF and ON again, then press Enter ']);
  });
});
