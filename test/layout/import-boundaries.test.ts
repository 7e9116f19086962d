import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const rules = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as { forbidden: object[]; options: object };

/** The rule violations dependency-cruiser finds below `baseDir`, as `rule: from → to`. */
async function violations(baseDir: string, folders: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir);
  try {
    const { output } = await cruise(folders, { validate: true, ruleSet: { forbidden: rules.forbidden }, ...rules.options } as never);
    const result = output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('import boundaries', () => {
  it('hold in the tree as it is', async () => {
    expect(await violations(root, ['harness', 'platforms'])).toEqual([]);
  }, 60_000);

  it('catch a core module importing a platform, a platform importing another, and the runtime importing fixtures/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-boundaries-'));
    scratch.push(dir);
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    cpSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    file('platforms/platform.ts', 'export const seam = 1;\n');
    file('platforms/qemu/profiles.ts', "import { seam } from '../platform.js';\nexport const profile = seam;\n");
    file('platforms/ssh/index.ts', "import { profile } from '../qemu/profiles.js';\nexport const ssh = profile;\n");
    file('fixtures/cpio.ts', 'export const cpio = 1;\n');
    file('harness/run/session.ts', "import { profile } from '../../platforms/qemu/profiles.js';\nimport { cpio } from '../../fixtures/cpio.js';\nexport const s = profile + cpio;\n");
    expect((await violations(dir, ['harness', 'platforms'])).sort()).toEqual([
      'core-only-through-the-seam: harness/run/session.ts → platforms/qemu/profiles.ts',
      'fixtures-through-one-door: harness/run/session.ts → fixtures/cpio.ts',
      'platforms-do-not-import-each-other: platforms/ssh/index.ts → platforms/qemu/profiles.ts',
    ]);
  }, 60_000);
});
