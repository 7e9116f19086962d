import { parseTap } from '../../../harness/collect/tap.js';
import type {
  BootRecord,
  CaseResult,
  ContainerResult,
  RunInfo,
  RunSummary,
} from '../../../harness/model/types.js';

/** A case id carrying everything a report format must escape. */
export const NASTY_ID = 'quote "q" <tag> & hash #1 back\\slash\nnew\x1b[31mline\x07';

function container(name: string, tap: string, extra: Partial<ContainerResult> = {}): ContainerResult {
  return {
    name,
    exitCode: 0,
    durationMs: 100,
    timedOut: false,
    tap: parseTap(tap),
    stdout: tap,
    stderr: '',
    ...extra,
  };
}

function result(
  caseId: string,
  platform: string,
  fields: Partial<CaseResult> & Pick<CaseResult, 'outcome'>,
): CaseResult {
  return {
    caseId,
    name: caseId,
    platform,
    arch: platform === 'qemu-arm64' ? 'arm64' : 'x86_64',
    bootId: `${platform}-boot-1`,
    repeat: 1,
    startedAt: '2025-01-02T03:04:05.000Z',
    durationMs: 1234,
    attempts: 1,
    containers: [],
    ...fields,
  };
}

export const info: RunInfo = {
  runId: 'run-1',
  startedAt: '2025-01-02T03:04:00.000Z',
  outDir: '/tmp/unused',
  platforms: ['qemu-x86_64', 'qemu-arm64'],
  selected: 6,
  skipped: [{ caseId: 'needs-s390x', reason: 'arch s390x not selected' }],
};

export const results: CaseResult[] = [
  result('net-loopback', 'qemu-x86_64', {
    outcome: 'pass',
    containers: [
      container('server', 'TAP version 14\n1..1\nok 1 - listening\n'),
      container('client', 'TAP version 14\n1..2\nok 1 - connect\nok 2 - echo # SKIP no echo\n'),
    ],
  }),
  result('hostname', 'qemu-arm64', {
    outcome: 'fail',
    reason: '1 of 2 failed: "uts > name is set"',
    containers: [
      container(
        'probe',
        'TAP version 14\n1..2\nok 1 - uname\n# Subtest: uts\n    1..1\n    not ok 1 - name is set\n      ---\n      got: "(none)"\n      wanted: harness\n      ...\nnot ok 2 - uts\n',
        { exitCode: 1, stderr: 'line 1\nhostname: sethostname: Operation not permitted\n]]> end' },
      ),
    ],
  }),
  result('no-network', 'qemu-x86_64', {
    outcome: 'skip',
    reason: 'no network in this image',
    containers: [container('probe', 'TAP version 14\n1..0 # SKIP no network in this image\n')],
  }),
  result('clock', 'qemu-arm64', {
    outcome: 'flaky',
    attempts: 2,
    reason: 'attempt 1: planned 3, ran 1',
    containers: [container('probe', 'TAP version 14\n1..1\nok 1 - rtc\n')],
  }),
  result('panic', 'qemu-arm64', {
    outcome: 'error',
    errorClass: 'boot',
    reason: 'Kernel panic - not syncing: VFS',
    bootId: 'qemu-arm64-boot-2',
  }),
  result(NASTY_ID, 'qemu-x86_64', {
    outcome: 'fail',
    reason: 'bad\x00 "reason" #2\nsecond line',
    containers: [container('probe', 'TAP version 14\n1..1\nnot ok 1 - a # b\n', { stdout: 'out ]]> \x01 ok' })],
  }),
];

const boot = (id: string, platform: string, fields: Partial<BootRecord> = {}): BootRecord => ({
  id,
  platform,
  arch: platform === 'qemu-arm64' ? 'arm64' : 'x86_64',
  accel: 'tcg',
  image: 'harness',
  phases: { spawn: 0, firstByte: 80, kernel: 400, ready: 2100 },
  consoleLog: '',
  caseIds: [],
  guestClock: {},
  repeat: 1,
  outcome: 'ok',
  ...fields,
});

export const summary: RunSummary = {
  runId: 'run-1',
  durationMs: 83_000,
  results,
  boots: [
    boot('qemu-x86_64-boot-1', 'qemu-x86_64'),
    boot('qemu-arm64-boot-1', 'qemu-arm64', { phases: { spawn: 0, ready: 1400 } }),
    boot('qemu-arm64-boot-2', 'qemu-arm64', {
      phases: { spawn: 0, firstByte: 90 },
      outcome: 'error',
      errorClass: 'boot',
      reason: 'Kernel panic - not syncing: VFS',
    }),
  ],
  skipped: info.skipped,
  exitCode: 1,
};
