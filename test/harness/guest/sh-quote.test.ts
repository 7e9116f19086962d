import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shQuote } from '../../../harness/guest/sh-quote.js';

describe('shQuote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shquote-'));
  const marker = join(dir, 'pwned');
  const hostile = [
    `it's`,
    `"double" and 'single'`,
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker}`,
    `a\nb`,
    `$HOME \\ * ?`,
    '',
  ];

  it.each(hostile)('round-trips %j through a real sh without running anything', (value) => {
    const printed = execFileSync('sh', ['-c', `printf '%s' ${shQuote(value)}`]).toString();
    expect(printed).toBe(value);
    expect(existsSync(marker)).toBe(false);
  });
});
