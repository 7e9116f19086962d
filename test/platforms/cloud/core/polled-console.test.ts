import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleLog } from '../../../../harness/console/console-log.js';
import { PolledConsole, type ConsoleSource } from '../../../../platforms/cloud/core/polled-console.js';

function rig(reads: (string | Error)[], maxBytes?: number) {
  const path = join(mkdtempSync(join(tmpdir(), 'polled-console-')), 'c.log');
  let i = 0;
  const source: ConsoleSource = {
    read: async () => {
      const next = reads[i++] ?? '';
      if (next instanceof Error) throw next;
      return Buffer.from(next);
    },
  };
  const console = new PolledConsole({ source, log: new ConsoleLog({ path }), now: () => i * 10, intervalMs: 2, maxBytes });
  return { console, path };
}

describe('PolledConsole', () => {
  it('feeds what each poll brings into the console log, stamped, with lines for the watchers', async () => {
    const { console, path } = rig(['Linux ver', 'sion 6.1\nRun /init', ' as init process\n']);
    const lines: string[] = [];
    console.log.onLine((line) => lines.push(line));
    const chunks: string[] = [];
    console.onData((chunk) => chunks.push(chunk.toString()));
    console.start();
    await new Promise((r) => setTimeout(r, 50));
    await console.close();
    expect(readFileSync(path, 'utf8')).toBe('Linux version 6.1\nRun /init as init process\n');
    expect(lines).toEqual(['Linux version 6.1', 'Run /init as init process']);
    expect(chunks).toEqual(['Linux ver', 'sion 6.1\nRun /init', ' as init process\n']);
    await expect(console.write()).rejects.toThrow(/read-only/);
  });

  it('stops at its size limit, and keeps the provider’s errors (scrubbed) for diagnostics', async () => {
    const { console, path } = rig([new Error('403 on https://acct.blob.core.windows.net/bootdiagnostics/serial.log?sv=2022&sig=SECRETSIG'), 'x'.repeat(50), 'y'.repeat(50)], 60);
    console.start();
    await new Promise((r) => setTimeout(r, 50));
    await console.close();
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(50) + 'y'.repeat(10));
    expect(console.diagnostics()).toContain('console reading stopped at its size limit');
    expect(console.diagnostics()).toContain('https://acct.blob.core.windows.net/bootdiagnostics/serial.log?[redacted]');
    expect(console.diagnostics()).not.toContain('SECRETSIG');
  });
});
