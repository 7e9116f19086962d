import { describe, expect, it } from 'vitest';
import { PacedWriter } from '../../../platforms/board/serial/paced-writer.js';
import type { Clock } from '../../../platforms/board/serial/wire.js';

/** A clock that only moves when something sleeps: the schedule is checked exactly. */
function virtualClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('paced writer', () => {
  it('sends at the line rate in 10 ms slices: 11,520 bytes take one second at 115200 baud', async () => {
    const clock = virtualClock();
    const sent: { at: number; bytes: number }[] = [];
    const writer = new PacedWriter(async (b) => void sent.push({ at: clock.t, bytes: b.length }), 11_520, 0, clock);
    await writer.write(Buffer.alloc(11_520, 0x61));
    expect(sent[0]).toEqual({ at: 0, bytes: 115 });
    expect(sent.reduce((n, s) => n + s.bytes, 0)).toBe(11_520);
    expect(clock.t).toBeCloseTo(1000, 6);
  });

  it('pauses after each newline when asked, and keeps writes in order', async () => {
    const clock = virtualClock();
    const out: string[] = [];
    const writer = new PacedWriter(async (b) => void out.push(b.toString()), 1_000_000, 50, clock);
    await Promise.all([writer.write('ab\ncd\n'), writer.write('ef')]);
    expect(out).toEqual(['ab\n', 'cd\n', 'ef']);
    expect(clock.t).toBeGreaterThanOrEqual(100);
  });

  it('fails the write whose sink failed, not the ones after it', async () => {
    const clock = virtualClock();
    let fail = true;
    const writer = new PacedWriter(async () => {
      if (fail) throw new Error('gone');
    }, 1000, 0, clock);
    await expect(writer.write('x')).rejects.toThrow('gone');
    fail = false;
    await expect(writer.write('y')).resolves.toBeUndefined();
  });
});
