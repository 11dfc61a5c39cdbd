import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slots } from '../../../src/shell/consumer/slots.ts';

/** Whether a promise has settled by the time the microtasks queued now have run. */
const settledNow = async (p: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe('slots: at most n holders, in the order they asked', () => {
  it('grants n at once, then one per release, first come first served', async () => {
    const s = slots(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => (order.push('c'), r));
    const d = s.acquire().then((r) => (order.push('d'), r));
    assert.equal(await settledNow(c), false);
    a();
    (await c)();
    b();
    await d;
    assert.deepEqual(order, ['c', 'd']);
  });

  it('gives a slot back once, however often its release is called', async () => {
    const s = slots(1);
    const a = await s.acquire();
    a();
    a();
    await s.acquire();
    assert.equal(await settledNow(s.acquire()), false, 'a second release made a second slot');
  });

  it('takes an aborted waiter out of the queue: it is rejected and the next one gets the slot', async () => {
    const s = slots(1);
    const a = await s.acquire();
    const stop = new AbortController();
    const aborted = s.acquire(stop.signal);
    const next = s.acquire();
    stop.abort(new Error('stopping'));
    await assert.rejects(aborted, /stopping/);
    a();
    assert.equal(await settledNow(next), true);
  });

  it('refuses at once when the signal has already aborted, and keeps the slot', async () => {
    const s = slots(1);
    await assert.rejects(s.acquire(AbortSignal.abort(new Error('gone'))), /gone/);
    assert.equal(await settledNow(s.acquire()), true);
  });
});
