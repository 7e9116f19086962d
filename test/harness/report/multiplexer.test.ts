import { describe, expect, it } from 'vitest';
import { ReporterMux } from '../../../harness/report/multiplexer.js';
import type { Reporter } from '../../../harness/model/types.js';
import { info, results, summary } from './run-fixture.js';

/** Records every hook it sees, in order. */
class Recorder implements Reporter {
  readonly seen: string[] = [];
  onRunBegin(): void {
    this.seen.push('onRunBegin');
  }
  onBootBegin(bootId: string): void {
    this.seen.push(`onBootBegin ${bootId}`);
  }
  onBootPhase(bootId: string, phase: string, atMs: number): void {
    this.seen.push(`onBootPhase ${bootId} ${phase} ${atMs}`);
  }
  onCaseBegin(caseId: string, platform: string): void {
    this.seen.push(`onCaseBegin ${caseId} ${platform}`);
  }
  onCaseEnd(): void {
    this.seen.push('onCaseEnd');
  }
  onBootEnd(): void {
    this.seen.push('onBootEnd');
  }
  async onRunEnd(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    this.seen.push('onRunEnd');
  }
}

class Broken implements Reporter {
  onCaseEnd(): void {
    throw new Error('disk full');
  }
  async onRunEnd(): Promise<void> {
    throw new Error('cannot write');
  }
}

async function drive(mux: ReporterMux): Promise<void> {
  await mux.onRunBegin(info);
  mux.onBootBegin('b1', 'qemu-x86_64');
  mux.onBootPhase('b1', 'kernel', 400);
  mux.onCaseBegin('net-loopback', 'qemu-x86_64');
  mux.onCaseEnd(results[0] as (typeof results)[0]);
  mux.onBootEnd(summary.boots[0] as (typeof summary.boots)[0]);
  await mux.onRunEnd(summary);
}

describe('ReporterMux', () => {
  it('passes every event to every reporter, and awaits async hooks', async () => {
    const a = new Recorder();
    const b = new Recorder();
    const mux = new ReporterMux([a, b]);
    await drive(mux);
    const expected = [
      'onRunBegin',
      'onBootBegin b1',
      'onBootPhase b1 kernel 400',
      'onCaseBegin net-loopback qemu-x86_64',
      'onCaseEnd',
      'onBootEnd',
      'onRunEnd',
    ];
    expect(a.seen).toEqual(expected);
    expect(b.seen).toEqual(expected);
    expect(mux.errors()).toEqual([]);
  });

  it('keeps going when a reporter throws, and collects what it threw', async () => {
    const after = new Recorder();
    const mux = new ReporterMux([new Broken(), after]);
    await drive(mux);
    expect(after.seen).toContain('onCaseEnd');
    expect(after.seen.at(-1)).toBe('onRunEnd');
    expect(mux.errors().map((e) => [e.reporter, e.hook, (e.error as Error).message])).toEqual([
      ['Broken', 'onCaseEnd', 'disk full'],
      ['Broken', 'onRunEnd', 'cannot write'],
    ]);
  });

  it('collects the rejection of a sync hook written as async instead of leaving it unhandled', async () => {
    const sloppy = { onCaseBegin: async () => Promise.reject(new Error('late')) } as unknown as Reporter;
    const mux = new ReporterMux([sloppy]);
    mux.onCaseBegin('c', 'p');
    await new Promise((r) => setTimeout(r, 0));
    expect(mux.errors()).toEqual([{ reporter: 'reporter #0', hook: 'onCaseBegin', error: new Error('late') }]);
  });

  it('does not print anything itself', async () => {
    const writes: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => writes.push(args);
    try {
      await drive(new ReporterMux([new Broken()]));
    } finally {
      console.error = original;
    }
    expect(writes).toEqual([]);
  });
});
