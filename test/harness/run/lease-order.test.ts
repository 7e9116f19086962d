import { describe, expect, it } from 'vitest';
import { Slots } from '../../../harness/lifecycle/slots.js';
import { LeaseOrder } from '../../../harness/run/lease-order.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sessions that prepare for `prepMs[i]`, then ask for one of two slots and hold it briefly: the order of the grants. */
async function grants(prepMs: number[], order?: LeaseOrder): Promise<string[]> {
  const slots = new Slots(2);
  const granted: string[] = [];
  await Promise.all(
    prepMs.map(async (ms, i) => {
      const id = `s${i}`;
      await sleep(ms);
      await order?.turn(id);
      const leasing = slots.acquire(new AbortController().signal);
      order?.asked(id);
      const giveBack = await leasing;
      granted.push(id);
      await sleep(5);
      giveBack();
    }),
  );
  return granted;
}

describe('LeaseOrder', () => {
  // s0 is the longest session and has the most to pack, so it is the last ready to ask.
  const prep = [60, 0, 20, 40];

  it('without it, the slots go to whoever finished packing first', async () => {
    expect(await grants(prep)).toEqual(['s1', 's2', 's3', 's0']);
  });

  it('grants the leases in the plan order whatever each session took to prepare', async () => {
    expect(await grants(prep, new LeaseOrder(['s0', 's1', 's2', 's3']))).toEqual(['s0', 's1', 's2', 's3']);
  });

  it('lets a session outside the order go at once, and one that never asks pass its turn', async () => {
    const order = new LeaseOrder(['a', 'b']);
    let bAsked = false;
    const b = order.turn('b').then(() => (bAsked = true));
    await order.turn('retry-of-x');
    await sleep(10);
    expect(bAsked).toBe(false);
    order.asked('a');
    order.asked('a');
    await b;
    expect(bAsked).toBe(true);
  });
});
