import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig, loadConfig } from '../../../harness/config/load-config.js';
import { CaseFileErrors } from '../../../harness/select/load.js';
import { UsageError } from '../../../harness/model/errors.js';
import type { PlatformOption } from '../../../platforms/registry.js';

const OPTIONS: PlatformOption[] = [
  { flags: '--channel <kind>', description: 'QEMU channel', default: 'virtio' },
  { flags: '--known-hosts <file>', description: 'SSH', path: true },
  { flags: '--trust-on-first-use', description: 'SSH' },
];

function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-config-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function problems(file: string): Promise<string[]> {
  try {
    await loadConfig(file, OPTIONS);
  } catch (error) {
    if (error instanceof CaseFileErrors) return error.problems.map((p) => p.message);
    if (error instanceof UsageError) return [error.message];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('reads projects and the top level, paths relative to the file, options by the name platforms read', async () => {
    const file = write('harness.config.yaml', [
      'reporters: [human, junit]',
      'timeout: 2m',
      'projects:',
      '  - name: x86',
      '    platform: qemu:x86_64',
      '    image: images/lk',
      '    cases: [cases, more]',
      "    labels: [smoke, '!slow']",
      '    boot-timeout: 90s',
      '    retries: 1',
      '    infra-retries: 3',
      '    options: { channel: console, known-hosts: keys/known_hosts, trust-on-first-use: true }',
      '',
    ].join('\n'));
    const dir = join(file, '..');
    const config = await loadConfig(file, OPTIONS);
    expect(config.top).toEqual({ reporters: ['human', 'junit'], timeout: 120 });
    expect(config.projects).toEqual([
      {
        name: 'x86',
        index: 0,
        settings: {
          platform: 'qemu:x86_64',
          image: join(dir, 'images/lk'),
          cases: [join(dir, 'cases'), join(dir, 'more')],
          labels: ['smoke', '!slow'],
          bootTimeout: 90,
          retries: 1,
          infraRetries: 3,
          options: { channel: 'console', knownHosts: join(dir, 'keys/known_hosts'), trustOnFirstUse: true },
        },
      },
    ]);
    expect(config.whereProject(0)).toBe(`${file}:4:11`);
  });

  it('names every problem of a YAML file at file:line:col: unknown keys with a suggestion, wrong types, duplicate names', async () => {
    const file = write('harness.config.yaml', [
      'retires: 1',
      'colour: red',
      'projects:',
      '  - name: x86',
      '    platform: 3',
      '    options: { chanel: console, trust-on-first-use: "yes" }',
      '  - name: x86',
      '    timeout: soon',
      '    reporters: [htm]',
      '    cases: []',
      '',
    ].join('\n'));
    expect(await problems(file)).toEqual([
      `${file}:1:1: retires: unknown key: did you mean retries?`,
      `${file}:2:1: colour: unknown key (known: platform, image, cases, labels, grep, timeout, boot-timeout, retries, infra-retries, reporters, options, projects)`,
      `${file}:5:15: projects[0].platform: expected a string, got a number (quote it)`,
      `${file}:6:16: projects[0].options.chanel: unknown key: did you mean channel?`,
      `${file}:6:53: projects[0].options.trust-on-first-use: expected true or false, got a string`,
      `${file}:7:11: projects[1].name: "x86" is also the name of projects[0]`,
      `${file}:8:14: projects[1].timeout: invalid duration "soon": use e.g. 30s, 2m, 500ms`,
      `${file}:9:17: projects[1].reporters[0]: "htm" is not one of human, tap, junit, json, html, github`,
      `${file}:10:12: projects[1].cases: must list at least one`,
    ]);
  });

  it('places JSON problems at line:col too', async () => {
    const file = write('harness.config.json', '{\n  "projects": [\n    { "name": "a", "platform": "qemu", "labels": "smoke" }\n  ]\n}\n');
    expect(await problems(file)).toEqual([`${file}:3:50: projects[0].labels: expected a list, got a string`]);
  });

  it('names the file and the key path of a TypeScript or JavaScript config', async () => {
    const ts = write('harness.config.ts', "const retries: string = 'two';\nexport default { projects: [{ name: 'a', platform: 'qemu', retries }, { name: 'a' }] };\n");
    expect(await problems(ts)).toEqual([`${ts}: projects[0].retries: expected a number, got a string`, `${ts}: projects[1].name: "a" is also the name of projects[0]`]);
    const js = write('harness.config.mjs', "export default { projects: [{ name: 'Bad Name' }] };\n");
    expect(await problems(js)).toEqual([`${js}: projects[0].name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`]);
    const good = write('harness.config.ts', "const platform: string = 'qemu:arm64';\nexport default { projects: [{ name: 'arm', platform }] };\n");
    expect((await loadConfig(good, OPTIONS)).projects[0]?.settings).toEqual({ platform: 'qemu:arm64' });
  });

  it('says why a file could not be loaded at all', async () => {
    const broken = write('harness.config.ts', 'export default {\n');
    expect((await problems(broken))[0]).toMatch(new RegExp(`^${broken}: cannot load: `));
    const none = write('harness.config.js', 'export const x = 1;\n');
    expect(await problems(none)).toEqual([`${none}: has no default export: \`export default { projects: [...] }\``]);
    expect(await problems(write('harness.config.toml', ''))).toEqual([expect.stringContaining('a config file is .ts, .js, .json or .yaml, not .toml')]);
    expect(await problems(write('harness.config.yaml', 'projects: [\n'))).toEqual([expect.stringMatching(/harness\.config\.yaml:\d+:\d+: invalid YAML/)]);
  });
});

describe('findConfig', () => {
  it('looks in the folder and above it, up to the repository root', () => {
    const root = mkdtempSync(join(tmpdir(), 'harness-find-'));
    const deep = join(root, 'repo', 'a', 'b');
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(root, 'repo', '.git'));
    writeFileSync(join(root, 'harness.config.yaml'), 'projects: []\n');
    // Above the repository root does not count.
    expect(findConfig(deep)).toBeUndefined();
    writeFileSync(join(root, 'repo', 'a', 'harness.config.json'), '{}');
    expect(findConfig(deep)).toBe(join(root, 'repo', 'a', 'harness.config.json'));
    writeFileSync(join(root, 'repo', 'a', 'harness.config.ts'), 'export default {};\n');
    expect(() => findConfig(deep)).toThrow('harness.config.ts and harness.config.json are both config files: keep one');
  });
});
