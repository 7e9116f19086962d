import { describe, expect, it } from 'vitest';
import { Reaper } from '../../../../harness/lifecycle/reaper.js';
import { Teardown } from '../../../../platforms/cloud/core/teardown.js';

describe('Teardown', () => {
  it('undoes newest first, once, as one reaper entry that leaves when done', async () => {
    const reaper = new Reaper();
    const teardown = new Teardown(reaper, 'boot', { budgetMs: 1000, retryMs: 1 });
    const order: string[] = [];
    teardown.add('key', async () => void order.push('key'));
    teardown.add('vm', async () => void order.push('vm'));
    expect(reaper.size).toBe(1);
    const [a, b] = await Promise.all([teardown.run(), reaper.stop('SIGTERM received')]);
    expect(a).toEqual({ deleted: ['vm', 'key'], failed: [] });
    expect(b).toEqual([]);
    expect(order).toEqual(['vm', 'key']);
    expect(reaper.size).toBe(0);
    expect(() => teardown.add('late', async () => {})).toThrow(/created after its teardown began/);
  });

  it('waits for a create in flight before undoing it, and hands the undo what it made', async () => {
    const teardown = new Teardown(new Reaper(), 'boot', { budgetMs: 1000, retryMs: 1 });
    let land!: (id: string) => void;
    const undone: (string | undefined)[] = [];
    const creating = teardown.create('vm', () => new Promise<string>((r) => (land = r)), async (made) => void undone.push(made));
    const running = teardown.run();
    await new Promise((r) => setTimeout(r, 20));
    expect(undone).toEqual([]);
    land('i-123');
    await creating;
    expect((await running).deleted).toEqual(['vm']);
    expect(undone).toEqual(['i-123']);
  });

  it('gives a create whose answer never came undefined, and gives up waiting at the budget', async () => {
    const teardown = new Teardown(new Reaper(), 'boot', { budgetMs: 50, retryMs: 1 });
    const undone: (string | undefined)[] = [];
    void teardown.create('vm', () => new Promise<string>(() => {}), async (made) => void undone.push(made));
    const failing = teardown.create('key', async () => { throw new Error('lost'); }, async (made) => void undone.push(made));
    await expect(failing).rejects.toThrow('lost');
    expect(await teardown.run()).toEqual({ deleted: ['key', 'vm'], failed: [] });
    expect(undone).toEqual([undefined, undefined]);
  });

  it('retries a failing step within its budget and still runs the older ones', async () => {
    const teardown = new Teardown(new Reaper(), 'boot', { budgetMs: 60, retryMs: 5 });
    let tries = 0;
    teardown.add('key', async () => {});
    teardown.add('firewall', async () => {
      tries++;
      throw new Error('DependencyViolation: in use');
    });
    teardown.add('vm', async () => {});
    expect(await teardown.run()).toEqual({ deleted: ['vm', 'key'], failed: [{ what: 'firewall', error: 'DependencyViolation: in use' }] });
    expect(tries).toBeGreaterThan(3);
  });
});
