import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from './harness-cli.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'harness-config-cli-')), 'harness.config.yaml');
  writeFileSync(file, text);
  return file;
}

const CONFIG = ['reporters: [human, junit]', 'retries: 1', 'projects:', '  - name: x86', '    platform: qemu:x86_64', '    labels: [smoke]', '    options: { channel: console }', '  - name: arm', '    platform: qemu:arm64', '    retries: 2', ''].join('\n');

/** `name value source` rows of `harness list`, by name. */
function rows(stdout: string): Map<string, string> {
  return new Map(stdout.split('\n').flatMap((l) => {
    const m = /^ {2}(\S+)\s+(.*?)\s{2,}(flag|project|config top level|default)$/.exec(l);
    return m ? [[m[1]!, `${m[2]} | ${m[3]}`]] : [];
  }));
}

describe('the config file through the CLI (nothing booted)', { timeout: 30_000 }, () => {
  it('lists a project with each setting and where it came from; a typed flag wins, a default does not', async () => {
    const file = configFile(CONFIG);
    const run = await harness(['list', '--config', file, '--project', 'arm', '--infra-retries', '4']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`project arm (${file})`);
    const settings = rows(run.stdout);
    expect(settings.get('platform')).toBe('qemu:arm64 | project');
    // --retries was not typed: its default 0 loses to the project's 2.
    expect(settings.get('retries')).toBe('2 | project');
    expect(settings.get('infra-retries')).toBe('4 | flag');
    expect(settings.get('reporters')).toBe('human, junit | config top level');
    expect(settings.get('options.channel')).toBe('virtio | default');
    expect(run.stdout).toMatch(/^qemu:arm64\s+uname-arch/m);
  });

  it('lists every project without --project, each with its own options', async () => {
    const run = await harness(['list', '--config', configFile(CONFIG), '--label', 'kernel']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.match(/^project (\S+)/gm)).toEqual(['project x86', 'project arm']);
    const [x86] = run.stdout.split('\nproject arm');
    expect(rows(x86!).get('options.channel')).toBe('console | project');
    expect(rows(x86!).get('labels')).toBe('kernel | flag');
  });

  it('refuses a bad config file and an unknown project with exit 2 before anything runs', async () => {
    const bad = configFile('projects:\n  - name: x86\n    platfrom: qemu\n');
    const run = await harness(['run', '--config', bad]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${bad}:3:5: projects[0].platfrom: unknown key: did you mean platform?`);
    const unknown = await harness(['run', '--config', configFile(CONFIG), '--project', 'x68']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('--project: no project "x68"');
    expect(unknown.stderr).toContain('(did you mean x86?)');
  });

  it('gives each of several projects a folder of its own under --out, and stops at the first bad one', async () => {
    const file = configFile('image: /nonexistent/img\nprojects:\n  - name: first\n    platform: qemu:x86_64\n  - name: second\n    platform: qemu:arm64\n');
    const out = join(mkdtempSync(join(tmpdir(), 'harness-config-out-')), 'night');
    const run = await harness(['run', '--config', file, '--out', out]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain('project first: qemu:x86_64');
    expect(run.stderr).toContain('project first: --image: image /nonexistent/img');
    expect(readdirSync(out)).toEqual(['first']);
  });

  it('names the project whose setting is wrong', async () => {
    const file = configFile('projects:\n  - name: odd\n    platform: sparc\n');
    const run = await harness(['run', '--config', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('project odd: --platform: unknown platform "sparc"');
  });
});
