import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JunitReporter } from '../../../harness/report/junit.js';
import { info, NASTY_ID, summary } from './run-fixture.js';

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&([^;]*);/g, (_, e: string) => {
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    const v = ENTITIES[e];
    if (v === undefined) throw new Error(`unknown entity &${e};`);
    return v;
  });
}

/** Just enough of XML 1.0 to prove the file well-formed and to walk it; throws otherwise. */
function parseXml(xml: string): Node {
  if (/[\x00-\x08\x0B\x0C\x0E-\x1F]/.test(xml)) throw new Error('forbidden control character');
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([\w-]+)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    at = token.lastIndex;
    const top = stack.at(-1) as Node;
    const [, cdata, close, name, attrText, selfClose, text] = m;
    if (cdata !== undefined) top.text += cdata;
    else if (text !== undefined) {
      if (/&(?!(?:amp|lt|gt|quot|apos|#\d+);)/.test(text)) throw new Error(`bare & in ${text}`);
      top.text += decode(text);
    } else if (close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of (attrText ?? '').matchAll(/([\w-]+)="([^"]*)"/g)) attrs[k as string] = decode(v as string);
      const node: Node = { name: name as string, attrs, children: [], text: '' };
      top.children.push(node);
      if (!selfClose) stack.push(node);
    }
  }
  if (at !== body.length) throw new Error(`not XML at ${JSON.stringify(body.slice(at, at + 40))}`);
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)?.name}> never closed`);
  const [doc, ...rest] = root.children;
  if (!doc || rest.length || root.text.trim()) throw new Error('need exactly one root element');
  return doc;
}

const child = (n: Node | undefined, name: string): Node | undefined => n?.children.find((c) => c.name === name);
const testcases = (doc: Node): Node[] => doc.children.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));

async function render(withInfo = true): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'junit-')), 'junit.xml');
  const reporter = new JunitReporter({ path });
  if (withInfo) reporter.onRunBegin(info);
  await reporter.onRunEnd(summary);
  return readFile(path, 'utf8');
}

describe('parseXml (the test helper)', () => {
  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1">&</a>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
    expect(() => parseXml('<a>text</a> trailing')).toThrow();
    expect(() => parseXml('<a>\x01</a>')).toThrow();
    expect(parseXml('<a x="&quot;"><![CDATA[<]]></a>')).toMatchObject({ attrs: { x: '"' }, text: '<' });
  });
});

describe('JunitReporter', () => {
  it('writes a testsuite per platform and boot with the right counts and properties', async () => {
    const doc = parseXml(await render());
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toEqual({ name: 'harness run-1', tests: '6', failures: '2', errors: '1', time: '83.000' });
    expect(doc.children.map((s) => [s.name, s.attrs.name, s.attrs.tests, s.attrs.failures, s.attrs.errors, s.attrs.skipped])).toEqual([
      ['testsuite', 'qemu-x86_64', '3', '1', '0', '1'],
      ['testsuite', 'qemu-arm64', '2', '1', '0', '0'],
      ['testsuite', 'qemu-arm64', '1', '0', '1', '0'],
    ]);
    expect(doc.children.map((s) => child(s, 'properties')?.children.map((p) => `${p.attrs.name}=${p.attrs.value}`))).toEqual([
      ['platform=qemu-x86_64', 'arch=x86_64', 'boot=qemu-x86_64-boot-1'],
      ['platform=qemu-arm64', 'arch=arm64', 'boot=qemu-arm64-boot-1'],
      ['platform=qemu-arm64', 'arch=arm64', 'boot=qemu-arm64-boot-2'],
    ]);
    expect(doc.children[0]?.attrs.timestamp).toBe(info.startedAt);
    for (const suite of doc.children) {
      for (const tc of suite.children.filter((c) => c.name === 'testcase')) expect(tc.attrs.classname).toBe(suite.attrs.name);
    }
  });

  it('gives a platform that ran nothing an empty suite', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'junit-')), 'junit.xml');
    const reporter = new JunitReporter({ path });
    reporter.onRunBegin({ ...info, platforms: [...info.platforms, 'ssh:root@10.0.0.5:22'] });
    await reporter.onRunEnd(summary);
    const last = parseXml(await readFile(path, 'utf8')).children.at(-1);
    expect(last?.attrs).toMatchObject({ name: 'ssh:root@10.0.0.5:22', tests: '0' });
    expect(child(last, 'properties')?.children.map((p) => p.attrs)).toEqual([{ name: 'platform', value: 'ssh:root@10.0.0.5:22' }]);
  });

  it('maps each outcome to its element', async () => {
    const cases = testcases(parseXml(await render()));
    const byName = (id: string): Node | undefined => cases.find((c) => c.attrs.name === id);
    const net = byName('net-loopback');
    expect(net?.attrs.time).toBe('1.234');
    expect(net?.children.map((c) => c.name)).toEqual(['system-out', 'system-err']);
    expect(child(net, 'system-err')?.text).toBe('');

    const failure = child(byName('hostname'), 'failure');
    expect(failure?.attrs).toEqual({ message: '1 of 2 failed: "uts > name is set"', type: 'fail' });
    expect(failure?.text).toBe('not ok uts > name is set\n  got: (none)\n  wanted: harness\nexit code 1');

    expect(child(byName('panic'), 'error')?.attrs).toEqual({ message: 'Kernel panic - not syncing: VFS', type: 'boot' });
    expect(child(byName('no-network'), 'skipped')?.attrs).toEqual({ message: 'no network in this image' });

    const flaky = byName('clock');
    expect(child(flaky, 'failure')).toBeUndefined();
    expect(child(flaky, 'flakyFailure')).toMatchObject({
      attrs: { message: 'attempt 1: planned 3, ran 1', type: 'flaky' },
      text: 'passed on attempt 2',
    });
  });

  it('keeps exactly one system-out and one system-err per case, with ]]> split safely', async () => {
    const cases = testcases(parseXml(await render()));
    for (const c of cases) {
      expect(c.children.filter((x) => x.name === 'system-out')).toHaveLength(1);
      expect(c.children.filter((x) => x.name === 'system-err')).toHaveLength(1);
    }
    const hostname = cases.find((c) => c.attrs.name === 'hostname');
    expect(child(hostname, 'system-err')?.text).toBe('line 1\nhostname: sethostname: Operation not permitted\n]]> end');
    const net = cases.find((c) => c.attrs.name === 'net-loopback');
    expect(child(net, 'system-out')?.text).toMatch(/^--- server ---\n[\s\S]*\n--- client ---\n/);
  });

  it('escapes quotes, markup and newlines and drops control characters', async () => {
    const xml = await render();
    const nasty = testcases(parseXml(xml)).find((c) => c.attrs.name?.startsWith('quote'));
    expect(nasty?.attrs.name).toBe(NASTY_ID.replace(/[\x07\x1b]/g, ''));
    expect(child(nasty, 'failure')?.attrs.message).toBe('bad "reason" #2\nsecond line');
    expect(child(nasty, 'system-out')?.text).toBe('out ]]>  ok');
  });

  it('still writes valid XML without onRunBegin, only without timestamps', async () => {
    const doc = parseXml(await render(false));
    expect(doc.children.map((s) => s.attrs.name)).toEqual(['qemu-x86_64', 'qemu-arm64', 'qemu-arm64']);
    expect(doc.children[0]?.attrs.timestamp).toBeUndefined();
  });
});
