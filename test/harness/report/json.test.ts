import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../harness/model/errors.js';
import type { BootRecord } from '../../../harness/model/types.js';
import { JsonReporter, type ResultsFile } from '../../../harness/report/json.js';
import { info, summary } from './run-fixture.js';

describe('JsonReporter', () => {
  it('writes results.json with the schema fields, replacing an older file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-'));
    const path = join(dir, 'results.json');
    await writeFile(path, '{"stale": true}');
    const reporter = new JsonReporter({ path });
    reporter.onRunBegin(info);
    await reporter.onRunEnd(summary);
    const file: unknown = JSON.parse(await readFile(path, 'utf8'));
    expect(file).toEqual({
      schema: 1,
      runId: 'run-1',
      startedAt: info.startedAt,
      durationMs: 83_000,
      exitCode: 1,
      platforms: ['qemu-x86_64', 'qemu-arm64'],
      results: JSON.parse(JSON.stringify(summary.results)),
      boots: summary.boots,
      skipped: [{ caseId: 'needs-s390x', reason: 'arch s390x not selected' }],
    });
    expect(await readdir(dir)).toEqual(['results.json']);
  });

  it('adds up the instance-seconds of cloud boots, and has no usage without them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-'));
    const path = join(dir, 'results.json');
    const reporter = new JsonReporter({ path });
    reporter.onRunBegin(info);
    const [first, second] = summary.boots as [BootRecord, BootRecord];
    await reporter.onRunEnd({ ...summary, boots: [{ ...first, instanceSeconds: 312.25 }, { ...second, instanceSeconds: 100.1 }, ...summary.boots.slice(2)] });
    const file = JSON.parse(await readFile(path, 'utf8')) as ResultsFile;
    expect(file.usage).toEqual({ instances: 2, instanceSeconds: 412.4 });
    expect(file.boots[0]!.instanceSeconds).toBe(312.25);
  });

  it('leaves what was there and no temporary behind when the rename fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'json-'));
    // A directory where the file should be makes the rename fail after the temporary was written.
    const path = join(dir, 'results.json');
    await mkdir(join(path, 'occupied'), { recursive: true });
    const reporter = new JsonReporter({ path });
    reporter.onRunBegin(info);
    await expect(reporter.onRunEnd(summary)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['results.json']);
    expect(await readdir(path)).toEqual(['occupied']);
  });

  it('refuses to write without the run info from onRunBegin', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'json-')), 'results.json');
    await expect(new JsonReporter({ path }).onRunEnd(summary)).rejects.toBeInstanceOf(InternalError);
  });
});
