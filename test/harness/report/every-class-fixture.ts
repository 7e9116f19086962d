/**
 * A run shaped like a captured one: two QEMU platforms, three boots, and a case of every outcome and
 * error class, with TAP from the real parser, diagnostics in node-tap's and in shell style (one
 * pointing outside its case), console logs on disk with each case's byte range, and hostile text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTap } from '../../../harness/collect/tap.js';
import type { BootRecord, CaseResult, ContainerResult, RunInfo, RunSummary } from '../../../harness/model/types.js';

export const X86 = 'qemu:x86_64';
export const ARM = 'qemu:arm64';
export const HOSTILE_NAME = 'escape ::add-mask::x %0A @octocat #123 <script>alert(1)</script>';

const HOSTNAME_TAP = `TAP version 14
1..2
ok 1 - uname
# Subtest: uts
    1..1
    not ok 1 - name is set
      ---
      got: "(none)"
      wanted: harness
      at:
        file: /case/check.sh
        line: 12
      ...
not ok 2 - uts
`;

const ESCAPE_TAP = `TAP version 14
1..1
not ok 1 - reads outside </script><b>bold</b>
  ---
  file: ../../../../etc/passwd
  line: 3
  message: "::error::injected\\r\\n::add-mask::secret"
  ...
`;

function container(name: string, tap: string, extra: Partial<ContainerResult> = {}): ContainerResult {
  return { name, exitCode: 0, durationMs: 200, timedOut: false, tap: parseTap(tap), stdout: tap, stderr: '', ...extra };
}

type Segment = string | { caseId: string; text: string };

/** A console log and the byte range each case's lines take in it. */
function consoleLog(segments: Segment[]): { text: string; ranges: Map<string, { start: number; end: number }> } {
  let text = '';
  const ranges = new Map<string, { start: number; end: number }>();
  for (const s of segments) {
    const chunk = typeof s === 'string' ? s : s.text;
    const start = Buffer.byteLength(text);
    text += chunk;
    if (typeof s !== 'string') ranges.set(s.caseId, { start, end: Buffer.byteLength(text) });
  }
  return { text, ranges };
}

const X86_LOG = consoleLog([
  'SeaBIOS (version 1.16.2-debian-1.16.2-1)\nBooting from ROM...\n[    0.000000] Linux version 6.6.30 (builder@linuxkit)\n',
  '[    0.612000] Run /init as init process\nharness: agent ready\n',
  { caseId: 'net-loopback', text: '[    2.100000] IPv6: ADDRCONF(NETDEV_CHANGE): lo: link becomes ready\n' },
  { caseId: 'hostname', text: '[    2.400000] hostname[311]: sethostname: Operation not permitted\n[    2.400100] audit: type=1400 denied { sys_admin } for comm="hostname" ✗ UTF-8 ü\n' },
  { caseId: HOSTILE_NAME, text: '[    2.700000] </script><script>document.title="pwned"</script>\n' },
  { caseId: 'slow', text: '[    3.000000] slow: still sleeping\n'.repeat(3) },
  { caseId: 'agent-lost', text: '[   63.000000] harness-agent: connection reset\n' },
  '[   63.500000] reboot: Power down\n',
]);

const ARM_LOG = consoleLog([
  'U-Boot 2024.01\n[    0.000000] Linux version 6.6.30 (builder@linuxkit) aarch64\n',
  { caseId: 'no-network', text: '[    1.800000] no network devices\n' },
  { caseId: 'clock', text: '[    2.000000] rtc-pl031 9010000.pl031: setting system clock\n' },
  { caseId: 'pull-image', text: '[    2.300000] harness: pulling rootfs failed: EIO\n' },
  '[    2.900000] reboot: Power down\n',
]);

const PANIC_LOG = consoleLog(['[    0.000000] Linux version 6.6.30\n[    0.450000] Kernel panic - not syncing: VFS: Unable to mount root fs\n']);

export interface EveryClassRun {
  info: RunInfo;
  summary: RunSummary;
  /** Case id → that case's console bytes, as the report should show them. */
  consoleText: Map<string, string>;
}

/** Writes the console logs under `root` (the workspace: cases/ and out/ lie in it) and returns the run. */
export async function everyClassRun(root: string): Promise<EveryClassRun> {
  const out = join(root, 'out', 'run-7');
  await mkdir(out, { recursive: true });
  const logs = { x86: join(out, 'x86-boot-1.console.log'), arm: join(out, 'arm-boot-1.console.log'), panic: join(out, 'arm-boot-2.console.log') };
  await writeFile(logs.x86, X86_LOG.text);
  await writeFile(logs.arm, ARM_LOG.text);
  await writeFile(logs.panic, PANIC_LOG.text);

  const result = (caseId: string, platform: string, bootId: string, fields: Partial<CaseResult> & Pick<CaseResult, 'outcome'>): CaseResult => ({
    caseId,
    name: caseId,
    platform,
    arch: platform === ARM ? 'arm64' : 'x86_64',
    bootId,
    repeat: 1,
    startedAt: '2025-03-04T05:06:10.000Z',
    durationMs: 1500,
    attempts: 1,
    containers: [],
    file: join(root, 'cases', caseId.startsWith('escape') ? 'escape' : caseId, 'case.yaml'),
    labels: [],
    console: (platform === ARM ? ARM_LOG : X86_LOG).ranges.get(caseId),
    ...fields,
  });
  const results: CaseResult[] = [
    result('net-loopback', X86, 'x86-boot-1', {
      outcome: 'pass',
      labels: ['net'],
      containers: [container('server', 'TAP version 14\n1..1\nok 1 - listening\n'), container('client', 'TAP version 14\n1..2\nok 1 - connect\nok 2 - echo # SKIP no echo\n')],
    }),
    result('hostname', X86, 'x86-boot-1', {
      outcome: 'fail',
      labels: ['core', 'ns'],
      privileged: true,
      isolation: 'reduced',
      reason: '1 of 2 failed: "uts > name is set"',
      containers: [container('probe', HOSTNAME_TAP, { exitCode: 1, stderr: 'hostname: sethostname: Operation not permitted\n' })],
    }),
    result(HOSTILE_NAME, X86, 'x86-boot-1', {
      outcome: 'fail',
      labels: ['security'],
      reason: 'reason with\nnewline, comma: colon %25 ::warning::x',
      containers: [container('probe', ESCAPE_TAP, { exitCode: 1, stdout: '::add-mask::leak\n##[error]fake\n</script>' })],
    }),
    result('slow', X86, 'x86-boot-1', { outcome: 'error', errorClass: 'timeout', reason: 'timed out after 60s', durationMs: 60_000 }),
    result('agent-lost', X86, 'x86-boot-1', { outcome: 'error', errorClass: 'harness', reason: 'agent connection lost mid-case' }),
    result('no-network', ARM, 'arm-boot-1', {
      outcome: 'skip',
      labels: ['net'],
      reason: 'no network in this image',
      containers: [container('probe', 'TAP version 14\n1..0 # SKIP no network in this image\n')],
    }),
    result('clock', ARM, 'arm-boot-1', { outcome: 'flaky', attempts: 2, reason: 'attempt 1: planned 3, ran 1', containers: [container('probe', 'TAP version 14\n1..1\nok 1 - rtc\n')] }),
    result('pull-image', ARM, 'arm-boot-1', { outcome: 'error', errorClass: 'infra', reason: 'rootfs copy failed: EIO' }),
    result('panic', ARM, 'arm-boot-2', { outcome: 'error', errorClass: 'boot', reason: 'Kernel panic - not syncing: VFS', console: undefined }),
  ];
  const boot = (id: string, platform: string, consoleLogPath: string, caseIds: string[], fields: Partial<BootRecord> = {}): BootRecord => ({
    id,
    platform,
    arch: platform === ARM ? 'arm64' : 'x86_64',
    accel: 'tcg',
    image: 'harness',
    phases: {},
    consoleLog: consoleLogPath,
    caseIds,
    guestClock: {},
    repeat: 1,
    outcome: 'ok',
    ...fields,
  });
  const boots: BootRecord[] = [
    boot('x86-boot-1', X86, logs.x86, ['net-loopback', 'hostname', HOSTILE_NAME, 'slow', 'agent-lost'], {
      phases: { spawn: 0, firstByte: 60, firmware: 300, kernel: 420, init: 1100, ready: 1900, firstCase: 2000, lastCaseEnd: 64_000, poweroff: 64_400 },
      kernelVersion: '6.6.30',
    }),
    boot('arm-boot-1', ARM, logs.arm, ['no-network', 'clock', 'pull-image'], {
      phases: { spawn: 0, firstByte: 90, bootloader: 700, kernel: 800, ready: 1700, firstCase: 1750, lastCaseEnd: 2800, poweroff: 3000 } as BootRecord['phases'],
    }),
    boot('arm-boot-2', ARM, logs.panic, ['panic'], { phases: { spawn: 0, firstByte: 95, kernel: 400 }, outcome: 'error', errorClass: 'boot', reason: 'Kernel panic - not syncing: VFS' }),
  ];
  const info: RunInfo = { runId: 'run-7', startedAt: '2025-03-04T05:06:00.000Z', outDir: out, platforms: [X86, ARM], selected: results.length, skipped: [{ caseId: 'needs-s390x', reason: 'arch s390x not selected' }] };
  const summary: RunSummary = { runId: 'run-7', durationMs: 70_000, results, boots, skipped: info.skipped, exitCode: 1 };
  const consoleText = new Map(
    results.flatMap((r) => {
      const log = r.platform === ARM ? ARM_LOG : X86_LOG;
      return r.console ? [[r.caseId, Buffer.from(log.text).subarray(r.console.start, r.console.end).toString()] as const] : [];
    }),
  );
  return { info, summary, consoleText };
}
