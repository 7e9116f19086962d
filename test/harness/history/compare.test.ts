import { describe, expect, it } from 'vitest';
import {
  buildReport,
  comparePlatform,
  DEFAULT_THRESHOLDS,
  phaseIntervals,
  selectBaseline,
} from '../../../harness/history/compare.js';
import { fingerprintKey } from '../../../harness/history/fingerprint.js';
import type { MetricComparison } from '../../../harness/history/types.js';
import type { BootSample, ImageSizes, RunRecord } from '../../../harness/metrics/types.js';
import { boot, day, FINGERPRINT, runRecord } from './history-fixture.js';

/** Boots whose `init` interval (kernel → init) takes the given values; other phases are fixed. */
function initBoots(lengths: number[]): BootSample[] {
  return lengths.map((length, i) => boot(`b${i}`, { spawn: 0, firstByte: 700, kernel: 705, init: 705 + length }));
}

/** n values spread evenly over ±spread around centre, so a rank test sees a real sample. */
function spread(centre: number, n: number, width = 10): number[] {
  return Array.from({ length: n }, (_, i) => centre - width / 2 + (width * i) / (n - 1));
}

const SIZES: ImageSizes = { kernel: 8_000_000, initrd: 4_000_000, initrdUncompressed: 9_000_000, total: 12_000_000, components: {} };

function metric(metrics: MetricComparison[], name: string): MetricComparison {
  const found = metrics.find((m) => m.metric === name);
  if (found === undefined) throw new Error(`no metric ${name} in ${metrics.map((m) => m.metric).join(', ')}`);
  return found;
}

describe('phaseIntervals', () => {
  it('measures each phase from the one before it, spawn having none', () => {
    const phases = { spawn: 0, firstByte: 700, firmware: 900, kernel: 905, init: 2800, ready: 3300, firstCase: 3700, lastCaseEnd: 7700, poweroff: 8000 };
    expect(phaseIntervals(boot('b', phases))).toEqual({
      firstByte: 700, firmware: 200, kernel: 5, init: 1895, ready: 500, firstCase: 400, lastCaseEnd: 4000, poweroff: 300,
    });
  });

  it('skips a phase that did not happen: the next one runs from the last phase that did', () => {
    const intervals = phaseIntervals(boot('b', { spawn: 0, firstByte: 700, kernel: 705, init: 2600 }));
    expect(intervals).toEqual({ firstByte: 700, kernel: 5, init: 1895 });
    expect('firmware' in intervals).toBe(false);
  });

  it('follows PHASE_ORDER, not the order the stamps were written in', () => {
    expect(phaseIntervals(boot('b', { init: 2600, spawn: 0, kernel: 705 }))).toEqual({ kernel: 705, init: 1895 });
  });

  it('gives nothing for a boot that never got past spawn', () => {
    expect(phaseIntervals(boot('b', { spawn: 0 }))).toEqual({});
  });
});

describe('selectBaseline', () => {
  const current = runRecord({ runId: 'now', startedAt: day(10) });
  const history = [
    runRecord({ runId: 'd3', startedAt: day(3) }),
    runRecord({ runId: 'd8', startedAt: day(8) }),
    runRecord({ runId: 'd5', startedAt: day(5) }),
    runRecord({ runId: 'other-platform', startedAt: day(9), platform: 'qemu-arm64' }),
    runRecord({ runId: 'other-host', startedAt: day(9), fingerprint: { ...FINGERPRINT, accel: 'kvm' } }),
    runRecord({ runId: 'later', startedAt: day(11) }),
    current,
  ];

  it('takes earlier runs of the same platform and fingerprint, newest first', () => {
    expect(selectBaseline(current, history, 10).map((run) => run.runId)).toEqual(['d8', 'd5', 'd3']);
  });

  it('keeps at most `window` runs', () => {
    expect(selectBaseline(current, history, 2).map((run) => run.runId)).toEqual(['d8', 'd5']);
  });

  it('matches fingerprints whatever their key order', () => {
    const { hostCpu, ...rest } = FINGERPRINT;
    const reordered = runRecord({ runId: 'reordered', startedAt: day(9), fingerprint: { ...rest, hostCpu } });
    expect(selectBaseline(current, [reordered], 10).map((run) => run.runId)).toEqual(['reordered']);
  });
});

describe('comparePlatform: phases', () => {
  const t = DEFAULT_THRESHOLDS;
  // Two baseline runs sharing the boots between them.
  const baselineRuns = (lengths: number[]) =>
    [0, 1].map((i) =>
      runRecord({ runId: `base-${i}`, startedAt: day(i), sizes: SIZES, boots: initBoots(lengths.filter((_, j) => j % 2 === i)) }),
    );
  const compare = (currentLengths: number[], baselineLengths: number[]) =>
    comparePlatform(runRecord({ runId: 'now', startedAt: day(5), sizes: SIZES, boots: initBoots(currentLengths) }), baselineRuns(baselineLengths), t)
      .metrics;

  it('calls a large, significant slowdown a regression', () => {
    const init = metric(compare(spread(2100, 10), spread(1900, 20)), 'phase:init');
    expect(init).toMatchObject({ kind: 'phase', unit: 'ms', phase: 'init', verdict: 'regression' });
    expect(init.current).toMatchObject({ n: 10, median: 2100 });
    expect(init.baseline).toMatchObject({ n: 20, median: 1900 });
    expect(init.delta).toBeCloseTo(200, 9);
    expect(init.deltaFraction).toBeCloseTo(200 / 1900, 9);
    expect(init.pValue).toBeLessThan(t.alpha);
  });

  it('calls the same change the other way an improvement', () => {
    expect(metric(compare(spread(1900, 10), spread(2100, 20)), 'phase:init').verdict).toBe('improvement');
  });

  it('leaves a significant shift smaller than phaseFraction unchanged', () => {
    // +60 ms on 1900 ms is 3.2 %: above phaseMs, below 5 %.
    const init = metric(compare(spread(1960, 10), spread(1900, 20)), 'phase:init');
    expect(init.pValue).toBeLessThan(t.alpha);
    expect(init.verdict).toBe('unchanged');
  });

  it('leaves a significant shift smaller than phaseMs unchanged', () => {
    // kernel (firstByte → kernel) doubling from 5 to 10 ms: 100 % but only 5 ms.
    const boots = (ms: number) => Array.from({ length: 10 }, (_, i) => boot(`b${i}`, { spawn: 0, firstByte: 700, kernel: 700 + ms + i / 100 }));
    const metrics = comparePlatform(
      runRecord({ runId: 'now', startedAt: day(5), sizes: SIZES, boots: boots(10) }),
      [runRecord({ startedAt: day(1), sizes: SIZES, boots: boots(5) })],
      t,
    ).metrics;
    expect(metric(metrics, 'phase:kernel')).toMatchObject({ delta: 5, verdict: 'unchanged' });
    expect(metric(metrics, 'phase:kernel').pValue).toBeLessThan(t.alpha);
  });

  it('leaves a large shift that is not significant unchanged', () => {
    // 3 against 6 boots, fully separated: the smallest one-sided exact p is 1/C(9,3) = 0.012.
    const init = metric(compare(spread(2500, 3), spread(1900, 6)), 'phase:init');
    expect(init.pValue).toBeCloseTo(1 / 84, 12);
    expect(init.verdict).toBe('unchanged');
  });

  it('can call a slowdown from one run of 5 boots against another (one-sided p = 1/252)', () => {
    const init = metric(compare(spread(2500, 5), spread(1900, 5)), 'phase:init');
    expect(init.pValue).toBeCloseTo(1 / 252, 12);
    expect(init.verdict).toBe('regression');
  });

  it('holds an improvement to the two-sided p, so 5 boots against 5 cannot call one', () => {
    const init = metric(compare(spread(1900, 5), spread(2500, 5)), 'phase:init');
    expect(init.pValue).toBeCloseTo(2 / 252, 12);
    expect(init.verdict).toBe('unchanged');
  });

  it('needs 3 boots on each side', () => {
    expect(metric(compare(spread(2500, 2), spread(1900, 20)), 'phase:init').verdict).toBe('insufficient-data');
    expect(metric(compare(spread(2500, 10), [1890, 1900]), 'phase:init').verdict).toBe('insufficient-data');
    expect(metric(compare(spread(2500, 3), [1880, 1890, 1900]), 'phase:init').verdict).not.toBe('insufficient-data');
  });

  it('has no metric for a phase that happened on neither side, and insufficient data for one side only', () => {
    const current = runRecord({ runId: 'now', startedAt: day(5), sizes: SIZES, boots: initBoots(spread(1900, 5)) });
    const baseline = [runRecord({ startedAt: day(1), sizes: SIZES, boots: Array.from({ length: 5 }, (_, i) => boot(`b${i}`, { spawn: 0, firstByte: 700 + i, ready: 3000 })) })];
    const metrics = comparePlatform(current, baseline, t).metrics.filter((m) => m.kind === 'phase');
    expect(metrics.map((m) => m.metric)).toEqual(['phase:firstByte', 'phase:kernel', 'phase:init', 'phase:ready']);
    expect(metric(metrics, 'phase:init')).toMatchObject({ baseline: { n: 0, median: 0, values: [] }, verdict: 'insufficient-data' });
  });

  it('names the runs it compared', () => {
    const result = comparePlatform(runRecord({ runId: 'now', revision: 'r9', startedAt: day(5) }), baselineRuns([1900]), t);
    expect(result).toMatchObject({
      platform: 'qemu-x86_64',
      fingerprintKey: fingerprintKey(FINGERPRINT),
      current: { runId: 'now', revision: 'r9', startedAt: day(5) },
      baselineRuns: [
        { runId: 'base-0', revision: 'abc123', startedAt: day(0) },
        { runId: 'base-1', revision: 'abc123', startedAt: day(1) },
      ],
    });
  });
});

describe('comparePlatform: sizes', () => {
  const t = DEFAULT_THRESHOLDS;
  const withSizes = (runId: string, sizes: Partial<ImageSizes>): RunRecord =>
    runRecord({ runId, startedAt: day(runId === 'now' ? 9 : 1), boots: [], sizes: { ...SIZES, ...sizes } });
  const compareSizes = (current: Partial<ImageSizes>, ...baseline: Partial<ImageSizes>[]) =>
    comparePlatform(withSizes('now', current), baseline.map((sizes, i) => withSizes(`base-${i}`, sizes)), t).metrics;

  it('lists the four image sizes, then every component of either side, a missing one counting 0', () => {
    const metrics = compareSizes({ components: { lib: 10, bin: 20 } }, { components: { bin: 20, old: 30 } });
    expect(metrics.map((m) => m.metric)).toEqual(['size:kernel', 'size:initrd', 'size:initrdUncompressed', 'size:total', 'size:bin', 'size:lib', 'size:old']);
    expect(metric(metrics, 'size:old')).toMatchObject({ kind: 'size', unit: 'bytes', component: 'old', current: { values: [0] }, verdict: 'improvement' });
    expect(metric(metrics, 'size:lib')).toMatchObject({ baseline: { values: [0], median: 0 }, delta: 10, deltaFraction: 0, verdict: 'regression' });
    expect(metric(metrics, 'size:bin')).toMatchObject({ delta: 0, verdict: 'unchanged' });
    expect(metric(metrics, 'size:kernel').pValue).toBeUndefined();
  });

  it('takes the median of the baseline runs', () => {
    const total = metric(compareSizes({ total: 300 }, { total: 100 }, { total: 290 }, { total: 5000 }), 'size:total');
    expect(total).toMatchObject({ baseline: { n: 3, median: 290 }, delta: 10 });
  });

  it('flags growth beyond sizeFraction even when it is below sizeBytes', () => {
    // 1 000 → 1 011 bytes: 1.1 % but only 11 bytes.
    expect(metric(compareSizes({ components: { etc: 1011 } }, { components: { etc: 1000 } }), 'size:etc').verdict).toBe('regression');
    expect(metric(compareSizes({ components: { etc: 1010 } }, { components: { etc: 1000 } }), 'size:etc').verdict).toBe('unchanged');
  });

  it('flags growth beyond sizeBytes even when it is below sizeFraction', () => {
    // 4 MB + 4 097 bytes is 0.1 %.
    expect(metric(compareSizes({ initrd: 4_004_097 }, {}), 'size:initrd').verdict).toBe('regression');
    expect(metric(compareSizes({ initrd: 4_004_096 }, {}), 'size:initrd').verdict).toBe('unchanged');
  });

  it('calls shrinking by as much an improvement', () => {
    expect(metric(compareSizes({ kernel: 7_000_000 }, {}), 'size:kernel')).toMatchObject({ delta: -1_000_000, verdict: 'improvement' });
  });

  it('has insufficient data without a baseline run', () => {
    expect(metric(compareSizes({}), 'size:total').verdict).toBe('insufficient-data');
  });
});

describe('buildReport', () => {
  it('compares each platform with its own baseline and counts regressions and improvements', () => {
    const sizes = (kernel: number, total = SIZES.total): ImageSizes => ({ ...SIZES, kernel, total });
    const history = [
      runRecord({ runId: 'old', platform: 'qemu-x86_64', startedAt: day(1), sizes: sizes(8_000_000), boots: [] }),
      runRecord({ runId: 'old', platform: 'qemu-arm64', startedAt: day(1), sizes: sizes(9_000_000), boots: [] }),
    ];
    const current = [
      runRecord({ runId: 'new', platform: 'qemu-x86_64', startedAt: day(2), sizes: sizes(9_000_000, SIZES.total + 5000), boots: [] }),
      runRecord({ runId: 'new', platform: 'qemu-arm64', startedAt: day(2), sizes: sizes(8_000_000), boots: [] }),
      runRecord({ runId: 'new', platform: 'qemu-s390x', startedAt: day(2), sizes: sizes(1), boots: [] }),
    ];
    const now = new Date('2025-02-01T00:00:00.000Z');
    const report = buildReport(current, [...history, ...current], DEFAULT_THRESHOLDS, 5, now);
    expect(report).toMatchObject({ generatedAt: '2025-02-01T00:00:00.000Z', thresholds: DEFAULT_THRESHOLDS, regressions: 2, improvements: 1 });
    expect(report.platforms.map((p) => [p.platform, p.baselineRuns.map((run) => run.runId)])).toEqual([
      ['qemu-x86_64', ['old']],
      ['qemu-arm64', ['old']],
      ['qemu-s390x', []],
    ]);
    expect(metric(report.platforms[0]!.metrics, 'size:kernel').verdict).toBe('regression');
    expect(metric(report.platforms[1]!.metrics, 'size:kernel').verdict).toBe('improvement');
  });
});

describe('the initramfs unpack on the guest clock', () => {
  const unpackBoots = (lengths: number[]): BootSample[] =>
    lengths.map((length, i) => ({ ...boot(`u${i}`, { spawn: 0, kernel: 700 }), guestClock: { unpackStart: 1000, unpackEnd: 1000 + length } }));
  const run = (id: string, at: number, boots: BootSample[]) => runRecord({ runId: id, startedAt: day(at), sizes: SIZES, boots });

  it('calls a longer unpack a regression, as a timing metric of its own', () => {
    const m = metric(comparePlatform(run('now', 2, unpackBoots(spread(300, 8))), [run('before', 1, unpackBoots(spread(170, 8)))], DEFAULT_THRESHOLDS).metrics, 'guest:initramfs');
    expect(m).toMatchObject({ kind: 'phase', unit: 'ms', guestSpan: 'initramfs', verdict: 'regression' });
    expect(m.delta).toBeCloseTo(130, 6);
  });

  it('has no such metric when the kernel never printed the unpack', () => {
    const metrics = comparePlatform(run('now', 2, initBoots(spread(1900, 5))), [run('before', 1, initBoots(spread(1900, 5)))], DEFAULT_THRESHOLDS).metrics;
    expect(metrics.some((m) => m.metric === 'guest:initramfs')).toBe(false);
  });
});

describe('the clock cross-check', () => {
  it('sets kernel → init on the host clock beside the same span on the guest clock', () => {
    const boots: BootSample[] = [1, 2, 3].map((i) => ({
      ...boot(`c${i}`, { spawn: 0, kernel: 700, init: 700 + 1700 + i }),
      guestClock: { kernel: 0, init: 1850 + i },
    }));
    const current = runRecord({ runId: 'now', startedAt: day(2), sizes: SIZES, boots });
    expect(comparePlatform(current, [], DEFAULT_THRESHOLDS).clocks).toEqual({ hostMs: 1702, guestMs: 1852, boots: 3 });
  });

  it('leaves it out when no boot has both clocks', () => {
    const current = runRecord({ runId: 'now', startedAt: day(2), sizes: SIZES, boots: initBoots([1900, 1901, 1902]) });
    expect(comparePlatform(current, [], DEFAULT_THRESHOLDS).clocks).toBeUndefined();
  });
});
