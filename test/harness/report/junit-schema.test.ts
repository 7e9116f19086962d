/**
 * junit.xml against the JUnit schema CI tools are written to (Jenkins xUnit's junit-10.xsd), checked
 * by the real xmllint rather than by the test's own idea of the format.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { JunitReporter } from '../../../harness/report/junit.js';
import { INSTALL_TIMEOUT_MS, needHostTool } from '../../support/host-tool.js';
import { info, summary } from './run-fixture.js';

const XSD = new URL('../../fixtures/junit/junit-10.xsd', import.meta.url).pathname;

let xmllint: string;
let dir: string;

async function validate(xml: string): Promise<{ exitCode: number | undefined; stderr: string }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.xml`);
  await writeFile(file, xml);
  const { exitCode, stderr } = await execa(xmllint, ['--noout', '--schema', XSD, file], { reject: false, stdin: 'ignore' });
  return { exitCode, stderr: stderr.replaceAll(file, 'junit.xml') };
}

describe('junit.xml and the JUnit schema', () => {
  beforeAll(async () => {
    xmllint = await needHostTool({ command: 'xmllint', package: 'libxml2-utils', why: 'validates junit.xml against the JUnit XSD' });
    dir = await mkdtemp(join(tmpdir(), 'junit-schema-'));
  }, INSTALL_TIMEOUT_MS);

  it('validates a run with every outcome, hostile text and a platform that ran nothing', async () => {
    const path = join(dir, 'junit.xml');
    const reporter = new JunitReporter({ path });
    reporter.onRunBegin({ ...info, platforms: [...info.platforms, 'board:rpi4-1'] });
    await reporter.onRunEnd(summary);
    expect(await validate(await readFile(path, 'utf8'))).toEqual({ exitCode: 0, stderr: 'junit.xml validates' });
  });

  it('is a real check: xmllint rejects what the schema forbids', async () => {
    const caseProperties =
      '<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c"><properties/></testcase></testsuite></testsuites>';
    const rootSkipped = '<testsuites skipped="1"/>';
    for (const xml of [caseProperties, rootSkipped]) {
      const { exitCode, stderr } = await validate(xml);
      expect(exitCode, stderr).not.toBe(0);
      expect(stderr).toContain('junit.xml fails to validate');
    }
  });
});
