import { Chalk, type ChalkInstance } from 'chalk';
import type {
  BootRecord,
  CaseResult,
  Outcome,
  PhaseName,
  Reporter,
  RunInfo,
  RunSummary,
} from '../model/types.js';
import { caseDetails, caseLine, formatDuration } from './case-lines.js';
import { scrubLine } from './scrub-line.js';
import { instanceUsage } from './usage.js';

export interface HumanReporterOptions {
  write: (s: string) => void;
  color: boolean;
  /** A terminal: keep one redrawn status line below the finished cases. */
  live: boolean;
  /** The status line is cut to this width, because a wrapped line cannot be redrawn in place. */
  columns?: number;
}

const CLEAR_LINE = '\r\x1b[2K';
const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'skip', 'flaky', 'error'];
const OUTCOME_WORDS: Record<Outcome, string> = {
  pass: 'passed',
  fail: 'failed',
  skip: 'skipped',
  flaky: 'flaky',
  error: 'errored',
};

function countsText(counts: Partial<Record<Outcome, number>>): string {
  return OUTCOMES.filter((o) => counts[o])
    .map((o) => `${counts[o]} ${OUTCOME_WORDS[o]}`)
    .join(', ');
}

/** Console output for people: one line per finished case, then a summary and failure details. */
export class HumanReporter implements Reporter {
  readonly #write: (s: string) => void;
  readonly #live: boolean;
  readonly #columns: number;
  readonly #c: ChalkInstance;
  readonly #counts: Record<Outcome, number> = { pass: 0, fail: 0, skip: 0, flaky: 0, error: 0 };
  /** Cases running per platform, for the status line. */
  readonly #running = new Map<string, Set<string>>();
  /** Boots not yet ready: id → platform and latest phase, as "kernel, 0.4s". */
  readonly #booting = new Map<string, { platform: string; phase?: string }>();
  #selected = 0;
  #statusShown = false;

  constructor(options: HumanReporterOptions) {
    this.#write = options.write;
    this.#live = options.live;
    this.#columns = options.columns ?? 80;
    this.#c = new Chalk({ level: options.color ? 1 : 0 });
  }

  onRunBegin(info: RunInfo): void {
    this.#selected = info.selected;
    const skipped = info.skipped.length ? `, ${info.skipped.length} not selected` : '';
    this.#print(
      this.#c.bold(`run ${info.runId}: ${info.selected} cases on ${info.platforms.join(', ')}`) +
        skipped,
    );
  }

  onBootBegin(bootId: string, platform: string): void {
    this.#booting.set(bootId, { platform });
    this.#redraw();
  }

  onBootPhase(bootId: string, phase: PhaseName, atMs: number): void {
    const boot = this.#booting.get(bootId);
    if (!boot) return;
    if (phase === 'ready') this.#booting.delete(bootId);
    else boot.phase = `${phase}, ${formatDuration(atMs)}`;
    this.#redraw();
  }

  onCaseBegin(caseId: string, platform: string): void {
    const running = this.#running.get(platform) ?? new Set<string>();
    this.#running.set(platform, running.add(caseId));
    this.#redraw();
  }

  onCaseEnd(result: CaseResult): void {
    this.#counts[result.outcome]++;
    this.#running.get(result.platform)?.delete(result.caseId);
    this.#print(caseLine(result, this.#c));
  }

  onBootEnd(record: BootRecord): void {
    this.#booting.delete(record.id);
    if (record.outcome === 'error') {
      const label = this.#c.magenta(`BOOT ERROR[${record.errorClass ?? 'harness'}]`);
      const where = scrubLine(`${record.platform} ${record.id}`);
      this.#print(`${label} ${where}: ${scrubLine(record.reason ?? '')}`);
    } else {
      this.#redraw();
    }
  }

  onRunEnd(summary: RunSummary): void {
    if (this.#statusShown) this.#write(CLEAR_LINE);
    this.#statusShown = false;
    for (const line of this.#summaryLines(summary)) this.#print(line);
  }

  #summaryLines(summary: RunSummary): string[] {
    const { results, boots } = summary;
    const byPlatform = new Map<string, Partial<Record<Outcome, number>>>();
    for (const r of results) {
      const counts = byPlatform.get(r.platform) ?? {};
      counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      byPlatform.set(r.platform, counts);
    }
    const bootErrors = boots.filter((b) => b.outcome === 'error').length;
    // A restore is no boot: its time to ready would hide a slower boot in the median.
    const medianReady = (of: BootRecord[]) => {
      const ready = of.flatMap((b) => (b.phases.ready === undefined ? [] : [b.phases.ready])).sort((a, b) => a - b);
      return ready[Math.floor((ready.length - 1) / 2)];
    };
    const restored = boots.filter((b) => b.resumed);
    const booted = medianReady(boots.filter((b) => !b.resumed));
    const resumed = medianReady(restored);
    const usage = instanceUsage(boots);
    const lines = [
      '',
      this.#c.bold(`${countsText(this.#tally(results)) || 'nothing ran'} (${results.length} cases)`),
      ...[...byPlatform].map(([platform, counts]) => `  ${scrubLine(platform)}: ${countsText(counts)}`),
      `boots: ${boots.length}` +
        (restored.length ? ` (${restored.length} restored from a snapshot)` : '') +
        (bootErrors ? `, ${bootErrors} failed` : '') +
        (booted === undefined ? '' : `, median ready ${formatDuration(booted)}`) +
        (resumed === undefined ? '' : `, restored ready ${formatDuration(resumed)}`),
      ...(summary.skipped.length ? [`not selected: ${summary.skipped.length}`] : []),
      `wall time: ${formatDuration(summary.durationMs)}`,
      ...(usage ? [`cloud: ${usage.instanceSeconds} instance-seconds over ${usage.instances} instance(s)`] : []),
    ];
    const failed = results.filter((r) => r.outcome === 'fail' || r.outcome === 'error');
    return failed.length ? [...lines, '', ...failed.flatMap((r) => [caseLine(r, this.#c), ...caseDetails(r, this.#c)])] : lines;
  }

  #tally(results: CaseResult[]): Record<Outcome, number> {
    const counts = { pass: 0, fail: 0, skip: 0, flaky: 0, error: 0 };
    for (const r of results) counts[r.outcome]++;
    return counts;
  }

  #status(): string {
    const done = OUTCOMES.reduce((n, o) => n + this.#counts[o], 0);
    const parts = [`[${done}/${this.#selected}] ${countsText(this.#counts)}`.trimEnd()];
    const booting = new Map<string, string | undefined>();
    for (const b of this.#booting.values()) booting.set(b.platform, b.phase);
    const platforms = new Set([...this.#running.keys(), ...booting.keys()]);
    for (const platform of platforms) {
      const cases = [...(this.#running.get(platform) ?? [])];
      const phase = booting.get(platform);
      const doing = cases.length ? cases.join(', ') : `booting${phase ? ` (${phase})` : ''}`;
      if (cases.length || booting.has(platform)) parts.push(scrubLine(`${platform}: ${doing}`));
    }
    const line = parts.join(' | ');
    return line.length < this.#columns ? line : `${line.slice(0, this.#columns - 2)}…`;
  }

  #redraw(): void {
    if (!this.#live) return;
    this.#write(CLEAR_LINE + this.#status());
    this.#statusShown = true;
  }

  #print(line: string): void {
    if (!this.#statusShown) return this.#write(`${line}\n`);
    this.#write(`${CLEAR_LINE}${line}\n`);
    this.#redraw();
  }
}
