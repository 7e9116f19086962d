import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { importRtf } from '../../../harness/cli/commands/import.js';
import { hostNeeds } from '../../../harness/import/rtf-plan.js';
import { parseRtfTags, rtfName } from '../../../harness/import/rtf-tags.js';
import { discoverCases } from '../../../harness/select/load.js';

const TREE = fileURLToPath(new URL('../../fixtures/rtf/cases', import.meta.url));

/** A copy of the fixture tree to add hostile entries to, and an empty output folder. */
function scratch(): { tree: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'harness-rtf-'));
  cpSync(TREE, join(dir, 'tree'), { recursive: true });
  return { tree: join(dir, 'tree'), out: join(dir, 'out') };
}

async function run(tree: string, out: string) {
  let text = '';
  const summary = await importRtf(tree, out, (t) => (text += t));
  return { summary, text };
}

describe('harness import rtf', () => {
  it('writes a case for each test that can run in a container, and says why the others cannot', async () => {
    const { tree, out } = scratch();
    const { summary, text } = await run(tree, out);
    expect(summary).toEqual({ imported: 4, existing: 0, cannot: 5 });
    expect(readdirSync(out).sort()).toEqual(['host.plain', 'packages.arm-only', 'packages.not-s390', 'packages.sysctl']);
    const reasons = Object.fromEntries(text.split('\n').filter((l) => l.startsWith('cannot')).map((l) => {
      const [, name, reason] = /^cannot\s+(\S+)\s+(.*)$/.exec(l)!;
      return [name, reason];
    }));
    expect(reasons).toEqual({
      'build.hello': 'test.sh needs `linuxkit build` (an image built from its YAML); needs `linuxkit run`; uses rtf’s shell library (RT_LIB, RT_PROJECT_ROOT), which lives outside its folder',
      'host.docker': 'test.sh needs Docker',
      'host.lib': 'test.sh uses rtf’s shell library (RT_LIB, RT_PROJECT_ROOT), which lives outside its folder',
      'host.win': 'only a test.ps1: a PowerShell script for the host',
      'host.twice': 'SUMMARY given twice in test.sh (rtf refuses it too)',
    });
    // Every case written loads as the harness reads cases: valid case.yaml, files confined.
    const cases = await discoverCases(out);
    expect(cases.map((c) => [c.id, c.result, c.arch, c.labels, c.containers[0]?.run, c.files])).toEqual([
      ['host.plain', 'exit-code', ['x86_64', 'arm64', 's390x'], ['rtf'], ['/bin/sh', '/case/test.sh'], ['test.sh']],
      ['packages.arm-only', 'linuxkit', ['arm64'], ['rtf'], ['/bin/sh', '/case/check.sh'], ['check.sh']],
      ['packages.not-s390', 'exit-code', ['x86_64', 'arm64'], ['rtf', 'slow'], ['/bin/sh', '/case/check.sh'], ['check.sh']],
      ['packages.sysctl', 'linuxkit', ['x86_64', 'arm64', 's390x'], ['rtf'], ['/bin/sh', '/case/check.sh'], ['check.sh']],
    ]);
    expect(cases.find((c) => c.id === 'packages.sysctl')?.summary).toBe('Check that the sysctl config works');
    expect(readFileSync(join(out, 'packages.sysctl', 'files', 'check.sh'))).toEqual(readFileSync(join(TREE, '010_packages', '001_sysctl', 'check.sh')));
    const yaml = readFileSync(join(out, 'host.plain', 'case.yaml'), 'utf8');
    expect(yaml).toContain('# REPEAT: 2 is not kept');
    expect(text).toContain('note: label !gcp is dropped');
  });

  it('copies check.sh as it is, still printing its LinuxKit line, under result: linuxkit', async () => {
    const { tree, out } = scratch();
    await run(tree, out);
    const sysctl = execFileSync('/bin/sh', [join(out, 'packages.sysctl', 'files', 'check.sh')], { encoding: 'utf8' });
    expect(sysctl).toBe('sysctl test suite PASSED\n');
    expect(parse(readFileSync(join(out, 'packages.sysctl', 'case.yaml'), 'utf8'))).toMatchObject({ result: 'linuxkit' });
  });

  it('leaves an existing case folder as it is', async () => {
    const { tree, out } = scratch();
    await run(tree, out);
    writeFileSync(join(out, 'host.plain', 'case.yaml'), 'summary: edited by hand\ncontainers: [{ name: a, run: /bin/true }]\n');
    const again = await run(tree, out);
    expect(again.summary).toEqual({ imported: 0, existing: 4, cannot: 5 });
    expect(readFileSync(join(out, 'host.plain', 'case.yaml'), 'utf8')).toContain('edited by hand');
  });

  it('follows no link in the tree and reads no FIFO, so no host file reaches a case', async () => {
    const { tree, out } = scratch();
    const sysctl = join(tree, '010_packages', '001_sysctl');
    execFileSync('rm', [join(sysctl, 'check.sh')]);
    symlinkSync('/etc/passwd', join(sysctl, 'check.sh'));
    symlinkSync('/etc', join(tree, '030_outside'));
    mkdirSync(join(tree, '040_fifo', '001_pipe'), { recursive: true });
    writeFileSync(join(tree, '040_fifo', '001_pipe', 'test.sh'), '# SUMMARY: a pipe\nexit 0\n');
    execFileSync('mkfifo', [join(tree, '040_fifo', '001_pipe', 'check.sh')]);
    const { text } = await run(tree, out);
    expect(text).toMatch(/skipped\s+010_packages\/001_sysctl\/check.sh\s+a symlink: links are not followed/);
    expect(text).toMatch(/skipped\s+030_outside\s+a symlink: links are not followed/);
    expect(text).toMatch(/skipped\s+040_fifo\/001_pipe\/check.sh\s+not a regular file/);
    // Without its check.sh, sysctl's test.sh is all that is left, and it needs the host.
    expect(text).toMatch(/cannot\s+packages.sysctl\s+test.sh needs `linuxkit build`/);
    const written = readdirSync(out).flatMap((id) => readdirSync(join(out, id, 'files')).map((f) => readFileSync(join(out, id, 'files', f), 'utf8')));
    expect(written.join('\n')).not.toContain('root:');
  });

  it('names what is wrong with a bad tree', async () => {
    const { out } = scratch();
    await expect(run('/nonexistent/rtf', out)).rejects.toThrow('/nonexistent/rtf: cannot read the rtf tree: ENOENT');
    const file = join(mkdtempSync(join(tmpdir(), 'harness-rtf-file-')), 'test.sh');
    writeFileSync(file, '');
    await expect(run(file, out)).rejects.toThrow('is not a folder: name the folder of rtf tests (LinuxKit: test/cases)');
    const empty = mkdtempSync(join(tmpdir(), 'harness-rtf-empty-'));
    mkdirSync(join(empty, '010_group'));
    await expect(run(empty, out)).rejects.toThrow('holds no rtf tests: a test is a folder with a test.sh');
    expect(existsSync(out)).toBe(false);
  });
});

describe('rtf headers and names', () => {
  it('reads SUMMARY, LABELS and REPEAT as rtf does', () => {
    expect(parseRtfTags('#!/bin/sh\n# SUMMARY: checks: colons too\n# LABELS: amd64, !slow\n# REPEAT: 3\n#LABELS: not a tag\n')).toEqual({
      summary: 'checks: colons too',
      labels: ['amd64', '!slow'],
      repeat: 3,
      repeated: [],
    });
    expect(parseRtfTags('# SUMMARY:\n# REPEAT: many\n')).toMatchObject({ summary: '', repeat: 1, labels: [] });
    expect(rtfName('010_basic_test')).toBe('basic_test');
    expect(rtfName('misc')).toBe('misc');
  });

  it('finds what a test.sh needs of the host, comment lines aside', () => {
    expect(hostNeeds('#!/bin/sh\n# linuxkit build is how it was\nmake test\n')).toEqual([]);
    expect(hostNeeds('linuxkit pkg show-tag .\n')).toEqual(['needs `linuxkit pkg`']);
    expect(hostNeeds('moby build test\n')).toEqual(['needs `moby build`']);
  });
});
