import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser, type FinalResults } from 'tap-parser';
import { describe, expect, it } from 'vitest';
import { extractTapFromConsole, failedAsserts, parseTap, summarizeFailure } from '../../../harness/collect/tap.js';
import type { TapSummary } from '../../../harness/model/types.js';

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/tap/${name}`, import.meta.url)), 'utf8');

const counts = (total: number, pass: number, fail: number, skip = 0, todo = 0) => ({
  total,
  pass,
  fail,
  skip,
  todo,
});

/** The whole-stream verdict of every fixture; the structure of the richer ones is checked below. */
const verdicts: [string, Partial<TapSummary>][] = [
  ['tap14-subtests.tap', { format: 'tap14', ok: false, problems: [], counts: counts(4, 1, 1, 1, 1) }],
  [
    'skip-all.tap',
    {
      format: 'tap14',
      ok: true,
      problems: [],
      plan: { start: 1, end: 0, skipAll: 'no network in this image' },
      counts: counts(0, 0, 0),
    },
  ],
  ['todo.tap', { format: 'tap13', ok: true, problems: [], counts: counts(3, 1, 0, 0, 2) }],
  ['missing-plan.tap', { format: 'tap14', ok: false, problems: ['no plan'], counts: counts(2, 2, 0) }],
  ['short-plan.tap', { ok: false, problems: ['planned 4, ran 3'], counts: counts(3, 3, 0) }],
  [
    'plan-too-small.tap',
    {
      format: 'tap12',
      ok: false,
      problems: ['test point 3 is outside plan 1..2', 'planned 2, ran 3'],
      counts: counts(3, 3, 0),
    },
  ],
  ['duplicate-ids.tap', { ok: false, problems: ['test point 1 appears more than once'] }],
  ['out-of-order.tap', { ok: false, problems: ['test point 2 is out of order (after 3)'] }],
  [
    'bail-out.tap',
    { ok: false, bailout: '/dev/vdb vanished', problems: [], counts: counts(1, 1, 0) },
  ],
  [
    'garbage-yamlish.tap',
    {
      format: 'tap13',
      ok: false,
      problems: ['unparseable YAML diagnostic at "message: [unclosed"'],
      counts: counts(2, 1, 1),
    },
  ],
  ['empty.tap', { format: 'none', ok: false, problems: ['no TAP output'], counts: counts(0, 0, 0) }],
  ['ktap-nested.ktap', { format: 'ktap', ok: false, problems: [], counts: counts(2, 1, 1) }],
  ['ktap-skip.ktap', { format: 'ktap', ok: true, problems: [], counts: counts(1, 1, 0) }],
  // tap-parser judges each of these not ok; the verdict is never kinder than its own (docs/tap.md).
  [
    'strict-non-tap.tap',
    {
      format: 'tap14',
      ok: false,
      problems: ['tap-parser: Non-TAP data encountered in strict mode: "kernel: eth0 link up"'],
      counts: counts(2, 2, 0),
    },
  ],
  ['test-point-zero.tap', { ok: false, problems: ['test point 0 is outside plan 1..1'], counts: counts(1, 1, 0) }],
  ['version-late.tap', { ok: false, problems: ['version line "TAP version 13" after the stream started'] }],
  ['version-twice.tap', { ok: false, problems: ['version line "TAP version 13" after the stream started'] }],
  ['version-malformed.tap', { ok: false, problems: ['malformed version line "TAP version 14.0"'] }],
  [
    'ktap-test-point-zero.ktap',
    { format: 'ktap', ok: false, problems: ['test point 0 is outside plan 1..1'], counts: counts(1, 1, 0) },
  ],
  [
    'ktap-version-twice.ktap',
    { format: 'ktap', ok: false, problems: ['second version line "KTAP version 1"', 'second plan "1..1"', 'test point 1 appears more than once', 'planned 1, ran 2'] },
  ],
];

describe('parseTap on fixtures', () => {
  it.each(verdicts)('%s', (name, expected) => {
    expect(parseTap(fixture(name))).toMatchObject(expected);
  });

  it('keeps subtests, YAML diagnostics, escapes and directives of TAP 14', () => {
    const tap = parseTap(fixture('tap14-subtests.tap'));
    const [net, hostname, clock, mounts] = tap.asserts;
    expect(net).toMatchObject({ id: 1, name: 'net', ok: false });
    // duration_ms is the only key of its block and tap-parser takes it as a time.
    expect(net?.diag).toBeUndefined();
    expect(net?.subtest).toMatchObject({ format: 'tap14', ok: false, counts: counts(3, 2, 1) });
    expect(net?.subtest?.asserts.map((a) => a.name)).toEqual([
      'loopback up',
      'eth0 has an address',
      'route # default',
    ]);
    expect(net?.subtest?.asserts[1]?.diag).toEqual({
      found: [],
      wanted: ['10.0.2.15/24'],
      at: { file: '/case/test.sh', line: 12 },
    });
    expect(hostname).toEqual({ id: 2, name: 'hostname', ok: true, skip: 'no uts namespace' });
    expect(clock).toEqual({ id: 3, name: 'clock', ok: false, todo: 'rtc not emulated' });
    expect(mounts).toEqual({ id: 4, name: 'mounts', ok: true });
  });

  it('gives a directive without a reason as an empty string', () => {
    expect(parseTap(fixture('todo.tap')).asserts[2]).toEqual({ id: 3, name: 'shrinks', ok: true, todo: '' });
  });

  it('nests KTAP on 2-space indents, several levels deep', () => {
    const tap = parseTap(fixture('ktap-nested.ktap'));
    const [mm, params] = tap.asserts;
    expect(mm?.subtest?.asserts.map((a) => [a.name, a.ok])).toEqual([
      ['test_alloc', true],
      ['test_free', false],
      ['test_realloc', true],
    ]);
    expect(params).toMatchObject({ name: 'param_suite', ok: true });
    const paramTest = params?.subtest?.asserts[0];
    expect(paramTest?.name).toBe('param_test');
    expect(paramTest?.subtest?.asserts.map((a) => a.name)).toEqual(['param-0', 'param-1']);
    expect(paramTest?.subtest?.format).toBe('ktap');
  });

  it('reads kunit KTAP: 4-space nesting, # Subtest, SKIP with and without a reason', () => {
    const suite = parseTap(fixture('ktap-skip.ktap')).asserts[0]?.subtest;
    expect(suite?.counts).toEqual(counts(3, 1, 0, 2));
    expect(suite?.asserts.map((a) => a.skip)).toEqual([
      undefined,
      'this test should be skipped',
      '',
    ]);
    expect(suite?.asserts[1]?.name).toBe('example_skip_test');
  });
});

describe('parseTap on inline streams', () => {
  it('treats a stream with no TAP in it like an empty one', () => {
    expect(parseTap('Welcome to Buildroot\nlogin: \n')).toMatchObject({
      format: 'none',
      problems: ['no TAP output'],
    });
  });

  it('does not take a lone version line for a skip-all stream', () => {
    expect(parseTap('TAP version 14\n')).toMatchObject({ format: 'tap14', ok: false, problems: ['no plan'] });
  });

  it('accepts CRLF line endings', () => {
    expect(parseTap('TAP version 14\r\n1..1\r\nok 1 - a\r\n')).toMatchObject({ ok: true, counts: counts(1, 1, 0) });
    const ktap = parseTap('KTAP version 1\r\n1..1\r\n  1..1\r\n  ok 1 t\r\nok 1 s\r\n');
    expect(ktap.asserts[0]?.subtest?.asserts[0]?.name).toBe('t');
  });

  it('numbers test points without an id after the previous one', () => {
    expect(parseTap('1..3\nok\nok 2\nok\n').asserts.map((a) => a.id)).toEqual([1, 2, 3]);
  });

  it('flags a subtest that failed under a test point that says ok', () => {
    const tap = parseTap('1..1\n# Subtest: inner\n    1..1\n    not ok 1 - x\nok 1 - inner\n');
    expect(tap.ok).toBe(false);
    expect(tap.problems).toContain('subtest "inner" is not ok, but its test point is');
  });

  it('wraps a YAML diagnostic that is not a mapping', () => {
    const tap = parseTap('1..1\nnot ok 1 - x\n  ---\n  - a\n  - b\n  ...\n');
    expect(tap.asserts[0]?.diag).toEqual({ value: ['a', 'b'] });
  });

  it('reports a KTAP stream cut off mid-suite', () => {
    const tap = parseTap('KTAP version 1\n1..2\n    KTAP version 1\n    1..3\n    ok 1 a\n');
    expect(tap.ok).toBe(false);
    expect(tap.problems).toEqual(['a nested test has no result line', 'planned 2, ran 0']);
  });

  it('stops a KTAP stream at a bail out, at any depth', () => {
    const tap = parseTap('KTAP version 1\n1..2\n  1..2\n  ok 1 a\n  Bail out! oops\n  ok 2 b\nok 1 s\n');
    expect(tap).toMatchObject({ ok: false, bailout: 'oops', problems: [], asserts: [] });
  });

  it('flags a second KTAP plan and a skip-all plan with test points', () => {
    expect(parseTap('KTAP version 1\n1..1\n1..1\nok 1 a\n').problems).toEqual(['second plan "1..1"']);
    expect(parseTap('KTAP version 1\n1..0 # SKIP no\nok 1 a\n').problems).toEqual([
      'plan 1..0 skips everything, but 1 ran',
    ]);
  });
});

describe('parseTap is never kinder than tap-parser', () => {
  it('keeps the id of a test point numbered 0', () => {
    expect(parseTap(fixture('test-point-zero.tap')).asserts.map((a) => a.id)).toEqual([0]);
    expect(parseTap('ok 0\nok 1\n1..2\n')).toMatchObject({ ok: false, problems: ['test point 0 is outside plan 1..2'] });
  });

  it('refuses non-TAP lines in a strict subtest, and says how many there were', () => {
    const tap = parseTap('TAP version 14\n1..1\n# Subtest: s\n    pragma +strict\n    1..1\n    junk\n    more junk\n    ok 1 - x\nok 1 - s\n');
    expect(tap.ok).toBe(false);
    expect(tap.problems).toContain('tap-parser: Non-TAP data encountered in strict mode: "junk" (and 1 more)');
  });

  it('allows non-TAP lines again after pragma -strict', () => {
    expect(parseTap('TAP version 14\npragma +strict\npragma -strict\njunk\n1..1\nok 1\n')).toMatchObject({ ok: true, problems: [] });
  });

  it('never says ok where tap-parser says not ok, on 20 000 generated streams', () => {
    const pieces = ['TAP version 14', 'pragma +strict', 'pragma -strict', '1..2', '1..0', '2..1', 'ok', 'ok 0', 'ok 1', 'ok 2', 'not ok 1', 'ok 2 # TODO x', 'ok 2 # SKIP', 'junk', '# Subtest: s', '    1..1', '    ok 1', '    not ok 1', '    junk', '    pragma +strict', 'Bail out! x', '  ---', '  a: 1', '  ...', 'ok 1 - s {', '}'];
    let seed = 1;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const kinder: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const text = `${Array.from({ length: 1 + next(7) }, () => pieces[next(pieces.length)]).join('\n')}\n`;
      let upstreamOk = true;
      const parser = new Parser();
      parser.on('complete', (results: FinalResults) => (upstreamOk = results.ok));
      parser.end(text);
      if (!upstreamOk && parseTap(text).ok) kinder.push(text);
    }
    expect(kinder).toEqual([]);
  });

  it('is stricter about version lines than tap-parser without strict mode', () => {
    expect(parseTap('TAP version 14\nTAP version 14\n1..1\nok 1\n').problems).toEqual(['second version line "TAP version 14"']);
    expect(parseTap('TAP version 15\n1..1\nok 1\n').problems).toEqual(['unknown TAP version 15']);
    expect(parseTap('1..1\nok 1\nTAP version 14\n').problems).toEqual(['version line "TAP version 14" after the stream started']);
    // Leading noise (a shell's trace, a banner) before the stream is not part of it.
    expect(parseTap('+ ./run-tests\nTAP version 14\n1..1\nok 1\n')).toMatchObject({ ok: true, problems: [] });
  });
});

describe('parseTap on hostile input', () => {
  const MiB4 = 4 * 2 ** 20;
  /** Parses and returns how long it took; the bound is a sanity check, the problems are the point. */
  const timed = (text: string): [TapSummary, number] => {
    const start = performance.now();
    const tap = parseTap(text);
    return [tap, performance.now() - start];
  };

  it('cuts a 4 MiB line in a TAP subtest and says so, in linear time', () => {
    const [tap, ms] = timed(`TAP version 14\n1..1\n# Subtest: s\n${' '.repeat(MiB4)}ok 1\nok 1 - s\n`);
    expect(tap.ok).toBe(false);
    expect(tap.problems).toContain(`line 4 is ${MiB4 + 4} characters long; cut to 65536`);
    expect(ms).toBeLessThan(1000);
  });

  it('cuts a 4 MiB line of a KTAP test point and says so, in linear time', () => {
    for (const filler of [' ', '# ']) {
      // A run of blanks not followed by a directive is what a backtracking regex takes quadratic time over.
      const line = `ok 1 a${filler.repeat(MiB4 / filler.length)}x # SKIP why`;
      const [tap, ms] = timed(`KTAP version 1\n1..1\n${line}\n`);
      expect(tap).toMatchObject({ format: 'ktap', ok: false });
      expect(tap.problems).toEqual([`line 3 is ${line.length} characters long; cut to 65536`]);
      expect(ms).toBeLessThan(1000);
    }
  });

  it('cuts indentation deeper than 64 TAP levels, which tap-parser nests a parser per level for', () => {
    const [tap, ms] = timed(`TAP version 14\n1..1\n# Subtest: s\n${' '.repeat(60_000)}ok 1\n${'\t'.repeat(300)}x\nok 1 - s\n`);
    expect(tap.ok).toBe(false);
    expect(tap.problems).toContain('line 4 is indented 60000 columns; cut to 256 (and 1 more)');
    expect(ms).toBeLessThan(1000);
  });

  it('finds a KTAP directive after a long run of spaces and stray hashes', () => {
    const [tap, ms] = timed(`KTAP version 1\n1..1\nok 1 a #b${' '.repeat(40_000)}c #  todo  later \n`);
    expect(ms).toBeLessThan(1000);
    expect(tap.asserts[0]).toEqual({ id: 1, name: `a #b${' '.repeat(40_000)}c`, ok: true, todo: 'later' });
    expect(parseTap('KTAP version 1\n1..1\nok 1 a#SKIP\n').asserts[0]).toEqual({ id: 1, name: 'a#SKIP', ok: true });
    expect(parseTap('KTAP version 1\n1..1\nok 1 #SKIPPED: no hw\n').asserts[0]).toEqual({ id: 1, name: '', ok: true, skip: 'no hw' });
  });
});

describe('extractTapFromConsole', () => {
  it('keeps the TAP of user space and drops firmware, printk and CRs', () => {
    const tap = extractTapFromConsole(fixture('console-printk.log'));
    expect(tap).toBe(
      [
        'TAP version 14',
        '1..3',
        'ok 1 - mounted proc',
        '# Subtest: net',
        '    1..1',
        '    ok 1 - lo up',
        'ok 2 - net',
        'not ok 3 - hostname',
        '  ---',
        '  got: (none)',
        '  ...',
        '',
      ].join('\n'),
    );
    expect(parseTap(tap)).toMatchObject({ ok: false, counts: counts(3, 2, 1), problems: [] });
    expect(parseTap(tap).asserts[2]?.diag).toEqual({ got: '(none)' });
  });

  it('strips printk prefixes when the kernel itself prints KTAP (kunit)', () => {
    const tap = extractTapFromConsole(fixture('console-kunit.log'));
    expect(tap.split('\n').slice(0, 3)).toEqual(['KTAP version 1', '1..1', '    KTAP version 1']);
    expect(tap).not.toMatch(/\[\s*\d+\.\d+\]|\r/);
    const parsed = parseTap(tap);
    expect(parsed).toMatchObject({ format: 'ktap', ok: false, problems: [], counts: counts(1, 0, 1) });
    expect(parsed.asserts[0]?.subtest?.counts).toEqual(counts(2, 1, 1));
  });

  it('returns nothing when no TAP ever starts', () => {
    expect(extractTapFromConsole('[    0.100000] ok computer\n[    0.2] 1..2\nlogin:\n')).toBe('');
  });

  it('starts at a bare plan or test point when there is no version line', () => {
    expect(extractTapFromConsole('login:\n1..1\n[    0.1] eth0 up\nok 1\n')).toBe('1..1\nok 1\n');
  });
});

describe('summarizeFailure', () => {
  it('names the deepest failing asserts', () => {
    expect(summarizeFailure(parseTap(fixture('tap14-subtests.tap')))).toBe(
      '1 of 4 failed: "net > eth0 has an address"',
    );
    expect(summarizeFailure(parseTap(fixture('ktap-nested.ktap')))).toBe(
      '1 of 2 failed: "mm_suite > test_free"',
    );
  });

  it('lists at most three names', () => {
    const tap = parseTap('1..5\nnot ok 1 - a\nnot ok 2 - b\nnot ok 3 - c\nnot ok 4 - d\nnot ok 5 - e\n');
    expect(summarizeFailure(tap)).toBe('5 of 5 failed: "a", "b", "c" and 2 more');
  });

  it('says what was wrong with the stream', () => {
    expect(summarizeFailure(parseTap(fixture('short-plan.tap')))).toBe('planned 4, ran 3');
    expect(summarizeFailure(parseTap(fixture('bail-out.tap')))).toBe('bailed out: /dev/vdb vanished');
    expect(summarizeFailure(parseTap(''))).toBe('no TAP output');
    expect(summarizeFailure(parseTap(fixture('garbage-yamlish.tap')))).toBe(
      '1 of 2 failed: "parses"; unparseable YAML diagnostic at "message: [unclosed"',
    );
  });

  it('is empty for a stream that is ok', () => {
    expect(summarizeFailure(parseTap(fixture('todo.tap')))).toBe('');
  });
});

describe('failedAsserts', () => {
  it('falls back to the failed test point when its subtest has no failed asserts', () => {
    const tap = parseTap('1..1\n# Subtest: s\n    1..2\n    ok 1 - x\nnot ok 1 - s\n');
    expect(failedAsserts(tap).map((f) => f.path)).toEqual(['s']);
  });
});
