import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from './harness-cli.js';

function caseDir(yaml: string): string {
  const root = mkdtempSync(join(tmpdir(), 'harness-cases-'));
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'case.yaml'), yaml);
  return root;
}

describe('the CLI on bad input (exit 2, nothing booted)', () => {
  it('names file:line and the field of a bad case file', async () => {
    const root = caseDir('summary: x\ncontainers:\n  - name: a\n    run: /bin/true\n    colour: red\n');
    const run = await harness(['run', '--platform', 'x86_64', '--cases', root]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${join(root, 'broken', 'case.yaml')}:5:5`);
    expect(run.stderr).toMatch(/containers\[0\]\.colour: unknown key/);
  });

  it('rejects an unknown platform', async () => {
    const run = await harness(['run', '--platform', 'sparc']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--platform: unknown platform "sparc"');
  });

  it('rejects an unknown reporter before booting anything', async () => {
    const run = await harness(['run', '--platform', 'x86_64', '--reporter', 'htm', '--grep', 'no-such-case', '--image', '/nonexistent/img']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--reporter: unknown reporter "htm"');
  });

  it('rejects an image prefix whose files are missing', async () => {
    const run = await harness(['run', '--platform', 'x86_64', '--image', '/nonexistent/img']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--image: image /nonexistent/img: no such file, and /nonexistent/img-kernel does not exist');
  });

  it('rejects a bad option value with exit 2', async () => {
    const run = await harness(['run', '--timeout', 'soon']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('"soon" is not a positive whole number');
  });

  it.each(['--timeout', '--boot-timeout'])('refuses %s longer than a timer can wait', async (flag) => {
    // An unknown platform stops the run before anything is built or booted, should the check be missing.
    const run = await harness(['run', flag, '2147484', '--platform', 'sparc']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${flag} <seconds>' argument '2147484' is invalid. "2147484" seconds is longer than a timer can wait`);
  });

  it('refuses an --out folder an earlier run left, and clears it with --force-out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-out-'));
    writeFileSync(join(out, 'results.jsonl'), '{"kind":"run-end"}\n');
    // A missing image stops the run after the output folder is prepared, before anything boots.
    const args = ['run', '--platform', 'x86_64', '--image', '/nonexistent/img', '--out', out];
    const reused = await harness(args);
    expect(reused.exitCode).toBe(2);
    expect(reused.stderr).toContain(`--out: ${out} is not empty; use an empty folder, or --force-out to clear it first`);
    expect(readdirSync(out)).toEqual(['results.jsonl']);
    const forced = await harness([...args, '--force-out']);
    expect(forced.stderr).toContain('--image: image /nonexistent/img');
    expect(readdirSync(out)).toEqual([]);
  });

  it('lists cases without passing their escape sequences to the terminal', async () => {
    const root = caseDir('summary: "evil \\e]0;pwned\\a \\e[2J \\x9b31m \\u202Eright"\ncontainers:\n  - name: a\n    run: /bin/true\n');
    const run = await harness(['list', '--platform', 'x86_64', '--cases', root]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('broken');
    expect(run.stdout).toContain('evil \uFFFD]0;pwned\uFFFD \uFFFD[2J \uFFFD31m \uFFFDright');
  });

  it('quotes a case file in an error without its escape sequences', async () => {
    const root = caseDir('summary: x\n"\\e]0;pwned\\a": 1\ncontainers:\n  - name: a\n    run: /bin/true\n');
    const run = await harness(['list', '--cases', root]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('\uFFFD]0;pwned\uFFFD: unknown key');
    expect(run.stderr).not.toMatch(/[\x1b\x07]/);
  });

  it('lists cases and why the others are left out', async () => {
    const run = await harness(['list', '--platform', 'arm64']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^qemu:arm64\s+uname-arch/m);
    expect(run.stdout).toMatch(/^skip\s+fails-on-purpose\s+label fails-on-purpose is excluded by default/m);
  });
});
