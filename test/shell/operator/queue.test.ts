import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoff, makeQueue } from '../../../src/shell/operator/queue.ts';

/** A promise with its resolve, to hold a piece of work open. */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

describe('the per-resource work queue', () => {
  /** One key at a time; the run of `busy` lasts until the gate opens. */
  const withBusyKey = () => {
    const runs: string[] = [];
    const g = gate();
    const q = makeQueue({
      concurrency: 1,
      work: async (k) => {
        runs.push(k);
        if (k === 'busy') await g.opened;
      },
      onError: () => undefined,
    });
    return { runs, g, q };
  };

  it('runs a key once however often it is added while queued', async () => {
    const { runs, g, q } = withBusyKey();
    q.add('busy');
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    g.open();
    await q.idle();
    assert.deepEqual(runs, ['busy', 'a', 'b']);
  });

  it('never runs one key twice at the same time, and reruns it once for events during a run', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const g = gate();
    const q = makeQueue({
      concurrency: 4,
      work: async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        if (runs === 1) await g.opened;
        running--;
      },
      onError: () => undefined,
    });
    q.add('a');
    q.add('a');
    q.add('a');
    g.open();
    await q.idle();
    assert.equal(most, 1);
    assert.equal(runs, 2);
  });

  it('retries a failed key after a backoff until it succeeds', async () => {
    const errors: number[] = [];
    let attempts = 0;
    const q = makeQueue({
      concurrency: 1,
      work: async () => {
        attempts++;
        if (attempts < 3) throw new Error('conflict');
      },
      onError: (_key, _error, retryInMs) => void errors.push(retryInMs),
      backoffMs: (failures) => failures,
    });
    q.add('a');
    await q.idle();
    assert.equal(attempts, 3);
    assert.deepEqual(errors, [1, 2]);
  });

  it('on stop drops what is queued and lets the runs under way end (before the Lease is handed back)', async () => {
    const { runs, g, q } = withBusyKey();
    q.add('busy');
    q.add('queued');
    q.add('busy'); // an event during the run
    q.stop();
    let idle = false;
    const drained = q.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false, 'the run under way is not over');
    g.open();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, true, 'idle once the run ended: nothing queued runs after stop');
    await drained;
    assert.deepEqual(runs, ['busy']);
  });

  it('backs off exponentially up to a minute', () => {
    assert.deepEqual([1, 2, 3, 4].map(backoff), [200, 400, 800, 1600]);
    assert.equal(backoff(30), 60_000);
  });
});
