import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseFileErrors, discoverCases, loadCase } from '../../../harness/select/load.js';
import { UsageError } from '../../../harness/model/errors.js';

const CONTAINER = 'containers:\n  - name: probe\n    run: [/bin/sh, /case/test.sh]\n';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'harness-cases-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `<root>/<id>/case.yaml` and its files; returns the case folder. */
async function writeCase(yaml: string, files: Record<string, string> = { 'test.sh': 'echo 1..0\n' }, id = 'demo') {
  const dir = path.join(root, id);
  await mkdir(path.join(dir, 'files'), { recursive: true });
  await writeFile(path.join(dir, 'case.yaml'), yaml);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, 'files', rel)), { recursive: true });
    await writeFile(path.join(dir, 'files', rel), content);
  }
  return dir;
}

/** The messages of the CaseFileErrors that `load` rejects with. */
async function problems(load: Promise<unknown>): Promise<string[]> {
  const error = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CaseFileErrors);
  return (error as CaseFileErrors).problems.map((problem) => problem.message);
}

describe('loadCase', () => {
  it('fills in the defaults and lists the files recursively', async () => {
    const dir = await writeCase(`summary: loopback works\n${CONTAINER}`, {
      'test.sh': '',
      'lib/z.sh': '',
      'lib/a.sh': '',
    });
    await symlink('lib/a.sh', path.join(dir, 'files', 'alias.sh'));
    expect(await loadCase(dir)).toEqual({
      id: 'demo',
      dir,
      file: path.join(dir, 'case.yaml'),
      name: 'demo',
      summary: 'loopback works',
      labels: [],
      arch: ['x86_64', 'arm64', 's390x'],
      platforms: ['qemu', 'ssh', 'cloud', 'board'],
      timeoutMs: 60_000,
      freshMachine: false,
      imageRunsOwnTests: false,
      result: 'tap',
      privileged: false,
      capabilities: [],
      containers: [{ name: 'probe', rootfs: 'base', run: ['/bin/sh', '/case/test.sh'], env: {} }],
      files: ['alias.sh', 'lib/a.sh', 'lib/z.sh', 'test.sh'],
    });
  });

  it('resolves a relative path even when given one', async () => {
    const dir = await writeCase(`summary: s\n${CONTAINER}`);
    const relative = path.relative(process.cwd(), dir);
    expect((await loadCase(relative)).dir).toBe(dir);
  });

  it('reports a YAML syntax error at its position', async () => {
    const dir = await writeCase(`summary: ok\n\tlabels: []\n${CONTAINER}`);
    const file = path.join(dir, 'case.yaml');
    expect(await problems(loadCase(dir))).toEqual([`${file}:2:1: invalid YAML: Tabs are not allowed as indentation`]);
  });

  it('reports a duplicate key as a YAML error', async () => {
    const dir = await writeCase(`summary: ok\nsummary: again\n${CONTAINER}`);
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:2:1: invalid YAML: Map keys must be unique`,
    ]);
  });

  it('reports an alias to a missing anchor', async () => {
    const dir = await writeCase(`summary: *nowhere\n${CONTAINER}`);
    const [only, ...rest] = await problems(loadCase(dir));
    expect(rest).toEqual([]);
    expect(only).toMatch(new RegExp(`^${path.join(dir, 'case.yaml')}:1:1: invalid YAML: .*nowhere`));
  });

  it('points at unknown keys, at the top and inside a container', async () => {
    const dir = await writeCase(
      'summary: s\nfresh_machine: true\ncontainers:\n  - name: probe\n    run: /case/test.sh\n    colour: red\n',
    );
    const file = path.join(dir, 'case.yaml');
    expect(await problems(loadCase(dir))).toEqual([
      `${file}:2:1: fresh_machine: unknown key: did you mean fresh-machine?`,
      `${file}:6:5: containers[0].colour: unknown key (known: name, rootfs, run, env)`,
    ]);
  });

  it('points at values of the wrong type', async () => {
    const dir = await writeCase(
      'summary: s\nlabels: smoke\nfresh-machine: "yes"\ncontainers:\n  - name: probe\n    run: 42\n    env:\n      N: 1\n',
    );
    const file = path.join(dir, 'case.yaml');
    expect(await problems(loadCase(dir))).toEqual([
      `${file}:2:9: labels: expected a list, got a string`,
      `${file}:3:16: fresh-machine: expected true or false, got a string`,
      `${file}:6:10: containers[0].run: expected a command string or a list of argv strings`,
      `${file}:8:10: containers[0].env.N: expected a string, got a number (quote it)`,
    ]);
  });

  it('reports a missing summary at the top of the mapping', async () => {
    const dir = await writeCase(`# a comment first\nlabels: [x]\n${CONTAINER}`);
    expect(await problems(loadCase(dir))).toEqual([`${path.join(dir, 'case.yaml')}:2:1: summary: required`]);
  });

  it('reports an empty value where a key has nothing after it', async () => {
    const dir = await writeCase(`summary:\n${CONTAINER}`);
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:1:1: summary: expected a string, got an empty value`,
    ]);
  });

  it('reports an empty file', async () => {
    const dir = await writeCase('');
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:1:1: top level: expected a mapping, got an empty value`,
    ]);
  });

  it('points at a bad arch and a bad platform in their lists', async () => {
    const dir = await writeCase(`summary: s\narch: [x86_64, amd64]\nplatforms:\n  - qemu\n  - vm\n${CONTAINER}`);
    const file = path.join(dir, 'case.yaml');
    expect(await problems(loadCase(dir))).toEqual([
      `${file}:2:16: arch[1]: "amd64" is not one of x86_64, arm64, s390x`,
      `${file}:5:5: platforms[1]: "vm" is not one of qemu, ssh, cloud, board`,
    ]);
  });

  it('refuses a timeout longer than Node can time, which would fire at once', async () => {
    for (const timeout of ['597h', '9'.repeat(400), `"${'9'.repeat(400)}"`]) {
      const dir = await writeCase(`summary: s\ntimeout: ${timeout}\n${CONTAINER}`, {}, `t${timeout.length}`);
      expect(await problems(loadCase(dir))).toEqual([
        expect.stringMatching(
          new RegExp(`^${path.join(dir, 'case.yaml')}:2:10: timeout: invalid duration ".+": longer than a timer can wait \\(2147483647 ms, about 24 days\\)$`),
        ),
      ]);
    }
  });

  it('points at a bad duration', async () => {
    const dir = await writeCase(`summary: s\ntimeout: 5 minutes\n${CONTAINER}`);
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:2:10: timeout: invalid duration "5 minutes": use e.g. 30s, 2m, 500ms`,
    ]);
  });

  it('points at the second of two containers with the same name', async () => {
    const dir = await writeCase(
      'summary: s\ncontainers:\n  - name: probe\n    run: a\n  - name: other\n    run: b\n  - name: probe\n    run: c\n',
    );
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:7:11: containers[2].name: "probe" is also containers[0]`,
    ]);
  });

  it('requires at least one container', async () => {
    const empty = await writeCase('summary: s\ncontainers: []\n', {}, 'empty');
    const missing = await writeCase('name: missing\nsummary: s\n', {}, 'missing');
    expect(await problems(loadCase(empty))).toEqual([
      `${path.join(empty, 'case.yaml')}:2:13: containers: list at least one container, or set image-runs-own-tests: true`,
    ]);
    expect(await problems(loadCase(missing))).toEqual([
      `${path.join(missing, 'case.yaml')}:1:1: containers: list at least one container, or set image-runs-own-tests: true`,
    ]);
  });

  it('loads an image case and resolves a LinuxKit prefix against the case folder', async () => {
    const dir = await writeCase('summary: s\nimage-runs-own-tests: true\nimage: out/test\n', {});
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'out', 'test-kernel'), '');
    await writeFile(path.join(dir, 'out', 'test-initrd.img'), '');
    expect(await loadCase(dir)).toMatchObject({
      imageRunsOwnTests: true,
      image: path.join(dir, 'out', 'test'),
      containers: [],
      files: [],
    });
  });

  it('keeps a fixture image as written', async () => {
    const dir = await writeCase('summary: s\nimage-runs-own-tests: true\nimage: fixture:selftest\n', {});
    expect((await loadCase(dir)).image).toBe('fixture:selftest');
  });

  it('reports a LinuxKit image whose files are missing', async () => {
    const dir = await writeCase('summary: s\nimage-runs-own-tests: true\nimage: out/test\n', {});
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'out', 'test-kernel'), '');
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:3:8: image: out/test-initrd.img not found in ${dir}`,
    ]);
  });

  it('reports a LinuxKit image whose files link outside the case folder', async () => {
    const dir = await writeCase('summary: s\nimage-runs-own-tests: true\nimage: out/test\n', {});
    const outside = path.join(root, 'cmdline');
    await writeFile(outside, 'root=/dev/sda secret');
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'out', 'test-kernel'), '');
    await writeFile(path.join(dir, 'out', 'test-initrd.img'), '');
    await symlink(outside, path.join(dir, 'out', 'test-cmdline'));
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:3:8: image: out/test-cmdline: symlink to ${outside} leaves the case folder`,
    ]);
  });

  it('reports image and containers used with the wrong mode, and ".." in an image path', async () => {
    const dir = await writeCase(`summary: s\nimage: out/test\n${CONTAINER}`);
    const own = await writeCase(`summary: s\nimage-runs-own-tests: true\nimage: ../shared/test\n${CONTAINER}`, {}, 'own');
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'case.yaml')}:2:1: image: only used with image-runs-own-tests: true`,
    ]);
    const file = path.join(own, 'case.yaml');
    expect(await problems(loadCase(own))).toEqual([
      `${file}:3:8: image: "../shared/test" must stay inside the case folder: ".." is not allowed`,
      `${file}:4:1: containers: not used with image-runs-own-tests: true`,
    ]);
  });

  it('rejects a symlink whose target leaves the case folder', async () => {
    const dir = await writeCase(`summary: s\n${CONTAINER}`);
    const outside = path.join(root, 'secret');
    await writeFile(outside, 'secret');
    await mkdir(path.join(dir, 'files', 'etc'));
    await symlink('../../../secret', path.join(dir, 'files', 'etc', 'leak'));
    await symlink('/nonexistent/harness-target', path.join(dir, 'files', 'dangling'));
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'files', 'dangling')}: broken symlink`,
      `${path.join(dir, 'files', 'etc', 'leak')}: symlink to ${outside} leaves the case folder`,
    ]);
  });

  it('rejects a symlink that climbs out through ".." and back in elsewhere', async () => {
    const dir = await writeCase(`summary: s\n${CONTAINER}`);
    const sibling = await writeCase(`summary: s\n${CONTAINER}`, { 'data.txt': 'x' }, 'sibling');
    await symlink('../../sibling/files/data.txt', path.join(dir, 'files', 'borrowed'));
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'files', 'borrowed')}: symlink to ${path.join(sibling, 'files', 'data.txt')} leaves the case folder`,
    ]);
  });

  it('accepts a symlink with ".." that stays inside the case folder, refuses one to a folder', async () => {
    const dir = await writeCase(`summary: s\n${CONTAINER}`, { 'sub/data.txt': 'x' });
    await symlink('../sub/data.txt', path.join(dir, 'files', 'sub', 'again.txt'));
    expect((await loadCase(dir)).files).toEqual(['sub/again.txt', 'sub/data.txt']);
    await symlink('sub', path.join(dir, 'files', 'folder'));
    expect(await problems(loadCase(dir))).toEqual([
      `${path.join(dir, 'files', 'folder')}: symlink to a folder: link the files instead`,
    ]);
  });

  it('rejects special files and a files entry that is not a folder', async () => {
    const dir = await writeCase(`summary: s\n${CONTAINER}`);
    const socket = path.join(dir, 'files', 's');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(await problems(loadCase(dir))).toEqual([`${socket}: not a regular file, folder or symlink`]);
    } finally {
      server.close();
    }
    const flat = await writeCase(`summary: s\n${CONTAINER}`, {}, 'flat');
    await rm(path.join(flat, 'files'), { recursive: true });
    await writeFile(path.join(flat, 'files'), '');
    expect(await problems(loadCase(flat))).toEqual([`${path.join(flat, 'files')}: must be a folder`]);
  });

  it('collects YAML, folder-name and file problems of one case together', async () => {
    const dir = await writeCase(`summary: [unclosed\n${CONTAINER}`, {}, 'Bad_Case');
    const outside = path.join(root, 'hostname');
    await writeFile(outside, 'host');
    await symlink(outside, path.join(dir, 'files', 'host'));
    const messages = await problems(loadCase(dir));
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(new RegExp(`^${path.join(dir, 'case.yaml')}:\\d+:\\d+: invalid YAML: `));
    expect(messages.slice(1)).toEqual([
      `${dir}: the folder name "Bad_Case" is the case id: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`,
      `${path.join(dir, 'files', 'host')}: symlink to ${outside} leaves the case folder`,
    ]);
  });

  it('reports a folder without case.yaml', async () => {
    const dir = path.join(root, 'nothing');
    await mkdir(dir);
    expect(await problems(loadCase(dir))).toEqual([`${path.join(dir, 'case.yaml')}: cannot read: ENOENT`]);
  });
});

describe('discoverCases', () => {
  it('loads every case folder sorted by id and ignores other entries', async () => {
    await writeCase(`summary: b\n${CONTAINER}`, undefined, 'b-case');
    await writeCase(`summary: a\n${CONTAINER}`, undefined, 'a-case');
    await writeCase(`summary: hidden\n${CONTAINER}`, undefined, '.hidden');
    await mkdir(path.join(root, 'shared-scripts'));
    await writeFile(path.join(root, 'README.md'), '');
    expect((await discoverCases(root)).map((def) => def.id)).toEqual(['a-case', 'b-case']);
  });

  it('reports the problems of every file at once', async () => {
    const one = await writeCase(`summary: s\narch: [sparc]\n${CONTAINER}`, undefined, 'one');
    const two = await writeCase('summary: s\ncontainers: []\n', undefined, 'two');
    await mkdir(path.join(root, 'three'));
    await writeFile(path.join(root, 'three', 'case.yml'), '');
    await writeCase(`summary: fine\n${CONTAINER}`, undefined, 'four');

    const error = await discoverCases(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as CaseFileErrors).problems.map((p) => p.message)).toEqual([
      `${path.join(one, 'case.yaml')}:2:8: arch[0]: "sparc" is not one of x86_64, arm64, s390x`,
      `${path.join(root, 'three', 'case.yml')}: rename to case.yaml`,
      `${path.join(two, 'case.yaml')}:2:13: containers: list at least one container, or set image-runs-own-tests: true`,
    ]);
    expect((error as Error).message).toBe(
      (error as CaseFileErrors).problems.map((p) => p.message).join('\n'),
    );
  });

  it('rejects two cases with the same name', async () => {
    await writeCase(`summary: s\n${CONTAINER}`, undefined, 'alpha');
    const beta = await writeCase(`summary: s\nname: alpha\n${CONTAINER}`, undefined, 'beta');
    expect(await problems(discoverCases(root))).toEqual([
      `${path.join(beta, 'case.yaml')}:2:7: name: "alpha" is also the name of ${path.join(root, 'alpha', 'case.yaml')}`,
    ]);
  });

  it("gives every case the suite's lib/ folder, and checks it like a case's files", async () => {
    await writeCase(`summary: a\n${CONTAINER}`, undefined, 'a');
    await writeCase(`summary: b\n${CONTAINER}`, undefined, 'b');
    await mkdir(path.join(root, 'lib', 'sub'), { recursive: true });
    await writeFile(path.join(root, 'lib', 'tap.sh'), '');
    await writeFile(path.join(root, 'lib', 'sub', 'more.sh'), '');
    const cases = await discoverCases(root);
    for (const c of cases) expect(c.shared).toEqual({ dir: path.join(root, 'lib'), files: ['sub/more.sh', 'tap.sh'] });

    await symlink('/etc/passwd', path.join(root, 'lib', 'escape'));
    expect(await problems(discoverCases(root))).toEqual([`${path.join(root, 'lib', 'escape')}: symlink to /etc/passwd leaves the case folder`]);
  });

  it('reports a missing cases folder', async () => {
    const missing = path.join(root, 'missing');
    await expect(discoverCases(missing)).rejects.toThrow(new UsageError(missing, 'cannot read the cases folder: ENOENT'));
  });

  it('loads the bundled suite without a problem', async () => {
    const suite = fileURLToPath(new URL('../../../cases', import.meta.url));
    const cases = await discoverCases(suite);
    expect(cases.length).toBeGreaterThanOrEqual(10);
    for (const def of cases) {
      if (def.imageRunsOwnTests) {
        expect(def.containers).toEqual([]);
      } else {
        expect(def.files, def.id).toContain('test.sh');
        const commands = def.containers.map((c) => c.run.join(' '));
        expect(commands.some((command) => command.endsWith('/bin/sh /case/test.sh')), commands.join()).toBe(true);
      }
    }
    expect(cases.filter((def) => def.labels.includes('fails-on-purpose')).map((def) => def.id)).toEqual([
      'fails-on-purpose',
    ]);
    expect(cases.find((def) => def.imageRunsOwnTests)).toMatchObject({ id: 'image-selftest', image: 'fixture:selftest' });
  });
});
