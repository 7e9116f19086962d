import { writeFileAtomic } from '../lifecycle/write-atomic.js';
import { stringify } from 'yaml';
import { failedAsserts } from '../collect/tap.js';
import { groupBy } from './group-by.js';
import type { BootRecord, CaseResult, Reporter, RunInfo, RunSummary } from '../model/types.js';

export interface JunitReporterOptions {
  /** The XML file, written when the run ends. */
  path: string;
}

/** Characters XML 1.0 cannot carry even escaped, including unpaired surrogates. */
const XML_FORBIDDEN =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const clean = (s: string): string => s.replace(XML_FORBIDDEN, '');

const text = (s: string): string =>
  clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const attr = (s: string): string =>
  text(s)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');

/** `]]>` cannot appear inside CDATA, so it is split across two sections. */
const cdata = (s: string): string => `<![CDATA[${clean(s).replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

type Attrs = Record<string, string | number>;

const attrs = (a: Attrs): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join('');

const open = (name: string, a: Attrs): string => `<${name}${attrs(a)}>`;

const element = (name: string, a: Attrs, body?: string): string =>
  body === undefined ? `<${name}${attrs(a)}/>` : `${open(name, a)}${body}</${name}>`;

/** What went wrong inside the case: failed asserts with their diagnostics, then stream problems. */
function failureBody(result: CaseResult): string {
  const lines: string[] = [];
  for (const c of result.containers) {
    const prefix = result.containers.length > 1 ? `${c.name}: ` : '';
    for (const { path, assert } of failedAsserts(c.tap)) {
      lines.push(`not ok ${prefix}${path}`);
      if (assert.diag) lines.push(...stringify(assert.diag).trimEnd().split('\n').map((l) => `  ${l}`));
    }
    if (c.tap.bailout !== undefined) lines.push(`${prefix}bailed out: ${c.tap.bailout}`);
    lines.push(...c.tap.problems.map((p) => `${prefix}${p}`));
    if (c.timedOut) lines.push(`${prefix}timed out`);
    else if (c.exitCode !== null && c.exitCode !== 0) lines.push(`${prefix}exit code ${c.exitCode}`);
  }
  return lines.join('\n');
}

function outcomeElement(result: CaseResult): string {
  const message = result.reason ?? '';
  const body = (): string => text(failureBody(result) || message);
  switch (result.outcome) {
    case 'fail':
      return element('failure', { message, type: 'fail' }, body());
    case 'error':
      return element('error', { message, type: result.errorClass ?? 'harness' }, body());
    case 'skip':
      return element('skipped', { message });
    case 'flaky':
      // Surefire's rerun form: CI tools count the case as passed and still show the failed attempt.
      return element('flakyFailure', { message, type: 'flaky' }, text(`passed on attempt ${result.attempts}`));
    case 'pass':
      return '';
  }
}

/** Exactly one system-out and one system-err per case, empty or not; several containers share them, labelled. */
function streams(result: CaseResult, pick: 'stdout' | 'stderr'): string {
  const labelled = result.containers.length > 1;
  const out = result.containers
    .filter((c) => c[pick])
    .map((c) => (labelled ? `--- ${c.name} ---\n${c[pick]}` : c[pick]))
    .join('\n');
  const name = `system-${pick === 'stdout' ? 'out' : 'err'}`;
  return out ? element(name, {}, cdata(out)) : element(name, {});
}

function testcase(result: CaseResult): string[] {
  const children = [outcomeElement(result), streams(result, 'stdout'), streams(result, 'stderr')].filter(Boolean);
  const a = { classname: result.platform, name: result.caseId, time: seconds(result.durationMs) };
  return [`      ${open('testcase', a)}`, ...children.map((c) => `        ${c}`), '      </testcase>'];
}

function tally(results: CaseResult[]): Record<string, number> {
  const count = (o: CaseResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  return { tests: results.length, failures: count('fail'), errors: count('error'), skipped: count('skip') };
}

function properties(props: Record<string, string | undefined>): string[] {
  const shown = Object.entries(props).filter((e): e is [string, string] => Boolean(e[1]));
  return ['    <properties>', ...shown.map(([name, value]) => `      ${element('property', { name, value })}`), '    </properties>'];
}

/**
 * A suite per boot, named after its platform: the schema allows properties on suites only, and the
 * boot is what a case's machine shares. Nested per-platform suites would be tidier, but common
 * readers (dorny/test-reporter) look at top-level suites only. Suite time is the sum of its cases.
 */
function testsuite(platform: string, results: CaseResult[], boot: BootRecord | undefined, info: RunInfo | undefined): string[] {
  const first = results[0];
  const suiteAttrs = {
    name: platform,
    ...tally(results),
    time: seconds(results.reduce((ms, r) => ms + r.durationMs, 0)),
    ...(info && { timestamp: info.startedAt }),
  };
  const props = properties({ platform, arch: boot?.arch ?? first?.arch, boot: boot?.id ?? first?.bootId });
  return [`  ${open('testsuite', suiteAttrs)}`, ...props, ...results.flatMap(testcase), '  </testsuite>'];
}

function renderJunit(summary: RunSummary, info: RunInfo | undefined): string {
  const { results } = summary;
  const boots = new Map(summary.boots.map((b) => [b.id, b]));
  // Platforms that ran nothing still get an empty suite, so their absence of results shows.
  const platforms = new Set([...(info?.platforms ?? []), ...results.map((r) => r.platform)]);
  const suites = [...platforms].flatMap((platform) => {
    const byBoot = groupBy(results.filter((r) => r.platform === platform), (r) => r.bootId);
    if (!byBoot.size) return testsuite(platform, [], undefined, info);
    return [...byBoot].flatMap(([bootId, ran]) => testsuite(platform, ran, boots.get(bootId), info));
  });
  // The schema has no `skipped` on testsuites; the suites carry it.
  const { skipped: _, ...rootTally } = tally(results);
  const rootAttrs = { name: `harness ${summary.runId}`, ...rootTally, time: seconds(summary.durationMs) };
  return ['<?xml version="1.0" encoding="UTF-8"?>', open('testsuites', rootAttrs), ...suites, '</testsuites>', ''].join('\n');
}

/** JUnit XML: testsuites per platform and boot, a testcase per case, `failure` for asserts, `error` for the rest. */
export class JunitReporter implements Reporter {
  readonly #path: string;
  #info: RunInfo | undefined;

  constructor(options: JunitReporterOptions) {
    this.#path = options.path;
  }

  onRunBegin(info: RunInfo): void {
    this.#info = info;
  }

  async onRunEnd(summary: RunSummary): Promise<void> {
    await writeFileAtomic(this.#path, renderJunit(summary, this.#info));
  }
}
