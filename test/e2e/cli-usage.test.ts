import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

  it('lists cases and why the others are left out', async () => {
    const run = await harness(['list', '--platform', 'arm64']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^qemu:arm64\s+uname-arch/m);
    expect(run.stdout).toMatch(/^skip\s+fails-on-purpose\s+label fails-on-purpose is excluded by default/m);
  });
});
