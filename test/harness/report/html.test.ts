import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HtmlReporter } from '../../../harness/report/html.js';
import type { HtmlReportData } from '../../../harness/report/html-data.js';
import { embedJson } from '../../../harness/report/html-page.js';
import { everyClassRun, HOSTILE_NAME } from './every-class-fixture.js';

async function written(redact?: (t: string) => string, deleteLog = false, resumed = false): Promise<{ html: string; data: HtmlReportData }> {
  const root = await mkdtemp(join(tmpdir(), 'html-report-'));
  const { info, summary } = await everyClassRun(root);
  if (deleteLog) await rm(summary.boots[2]!.consoleLog);
  if (resumed) summary.boots[1]!.resumed = true;
  const path = join(info.outDir, 'report.html');
  const reporter = new HtmlReporter({ path, redact });
  reporter.onRunBegin(info);
  await reporter.onRunEnd(summary);
  const html = await readFile(path, 'utf8');
  const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];
  return { html, data: JSON.parse(json ?? 'null') as HtmlReportData };
}

describe('embedJson', () => {
  it('reads back unchanged and holds nothing that could end the script or read as markup', () => {
    const value = { s: '</script><!-- <script> & \u2028\u2029 ]]>', n: [1, null, true] };
    const text = embedJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
  });
});

describe('HtmlReporter', () => {
  it('writes one page with the data, its own script allowed by hash, and nothing to fetch', async () => {
    const { html } = await written();
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html).not.toMatch(/\b(src|href)=/);
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'"`);
    // The hostile name and console line are in the file only as escaped JSON.
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('document.title="pwned"');
  });

  it('embeds diagnostics as YAML text, labels, and each boot ordered phases and marked console pieces', async () => {
    const { data } = await written();
    const hostname = data.cases.findIndex((c) => c.caseId === 'hostname');
    const uts = data.cases[hostname]!.containers[0]!.asserts[1]!;
    expect(uts).toMatchObject({ name: 'uts', ok: false, subtest: [{ name: 'name is set', ok: false, diag: 'got: (none)\nwanted: harness\nat:\n  file: /case/check.sh\n  line: 12' }] });
    expect(data.cases.map((c) => c.labels)).toContainEqual(['core', 'ns']);
    expect(data.cases.some((c) => c.caseId === HOSTILE_NAME)).toBe(true);
    expect(data.boots[1]!.phases.map(([name]) => name)).toEqual(['spawn', 'firstByte', 'bootloader', 'kernel', 'ready', 'firstCase', 'lastCaseEnd', 'poweroff']);
    const pieces = data.boots[0]!.console!.pieces.filter((p) => p.cases.includes(hostname));
    expect(pieces.map((p) => p.text).join('')).toContain('hostname[311]: sethostname: Operation not permitted');
    expect(data.notSelected).toEqual([{ caseId: 'needs-s390x', reason: 'arch s390x not selected' }]);
  });

  it('says which sessions were restored from a snapshot rather than booted', async () => {
    expect((await written()).data.boots.map((b) => b.resumed)).toEqual([undefined, undefined, undefined]);
    const { data, html } = await written(undefined, false, true);
    expect(data.boots.map((b) => b.resumed)).toEqual([undefined, true, undefined]);
    expect(html).toContain("'restored from a snapshot, not booted'");
  });

  it('redacts console text, and loses only the console of a boot whose log is gone', async () => {
    const { data } = await written((t) => t.replaceAll('Operation not permitted', '[redacted]'), true);
    const text = data.boots[0]!.console!.pieces.map((p) => p.text).join('');
    expect(text).toContain('sethostname: [redacted]');
    expect(data.boots[2]).toMatchObject({ id: 'arm-boot-2', consoleNote: 'console log unreadable: ENOENT' });
    expect(data.boots[2]!.console).toBeUndefined();
  });
});
