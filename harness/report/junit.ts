import { writeFileAtomic } from '../lifecycle/write-atomic.js';
import { stringify } from 'yaml';
import { failedAsserts } from '../collect/tap.js';
import type { CaseResult, Reporter, RunInfo, RunSummary } from '../model/types.js';

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
      return element(
        'properties',
        {},
        element('property', { name: 'flaky', value: 'true' }) +
          element('property', { name: 'attempts', value: result.attempts }),
      );
    case 'pass':
      return '';
  }
}

/** One system-out and one system-err per case; several containers share them, labelled. */
function streams(result: CaseResult, pick: 'stdout' | 'stderr'): string {
  const labelled = result.containers.length > 1;
  const out = result.containers
    .filter((c) => c[pick])
    .map((c) => (labelled ? `--- ${c.name} ---\n${c[pick]}` : c[pick]))
    .join('\n');
  return out ? element(`system-${pick === 'stdout' ? 'out' : 'err'}`, {}, cdata(out)) : '';
}

function testcase(result: CaseResult): string[] {
  const children = [outcomeElement(result), streams(result, 'stdout'), streams(result, 'stderr')];
  const shown = children.filter(Boolean);
  const a = { classname: result.platform, name: result.caseId, time: seconds(result.durationMs) };
  if (!shown.length) return [`    ${element('testcase', a)}`];
  return [`    ${open('testcase', a)}`, ...shown.map((c) => `      ${c}`), '    </testcase>'];
}

function tally(results: CaseResult[]): Record<string, number> {
  const count = (o: CaseResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  return { tests: results.length, failures: count('fail'), errors: count('error'), skipped: count('skip') };
}

/** Suite time is the sum of its cases: they run in parallel boots, so wall time means nothing here. */
function testsuite(platform: string, all: CaseResult[], info: RunInfo | undefined): string[] {
  const results = all.filter((r) => r.platform === platform);
  const suiteAttrs = {
    name: platform,
    ...tally(results),
    time: seconds(results.reduce((ms, r) => ms + r.durationMs, 0)),
    ...(info && { timestamp: info.startedAt }),
  };
  return [`  ${open('testsuite', suiteAttrs)}`, ...results.flatMap(testcase), '  </testsuite>'];
}

function renderJunit(summary: RunSummary, info: RunInfo | undefined): string {
  const { results } = summary;
  // Platforms that ran nothing still get an empty suite, so their absence of results shows.
  const platforms = new Set([...(info?.platforms ?? []), ...results.map((r) => r.platform)]);
  const rootAttrs = {
    name: `harness ${summary.runId}`,
    ...tally(results),
    time: seconds(summary.durationMs),
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    open('testsuites', rootAttrs),
    ...[...platforms].flatMap((p) => testsuite(p, results, info)),
    '</testsuites>',
    '',
  ].join('\n');
}

/** JUnit XML: a testsuite per platform, a testcase per case, `failure` for asserts, `error` for the rest. */
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
