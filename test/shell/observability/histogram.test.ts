import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { observeAll } from '../../../src/shell/observability/histogram.ts';

const BUCKETS = [0.005, 0.1, 1, 30];

/** A fresh registry with one histogram of the consumer's shape (label `interval`). */
const histogram = () => {
  const registry = new Registry();
  const h = new Histogram({
    name: 'latency_seconds',
    help: 'h',
    labelNames: ['interval'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  return { registry, h };
};

/** Values on, between, below and above the bounds. */
const value = fc.oneof(
  fc.constantFrom(0, ...BUCKETS, 31, 86_400),
  fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true }),
);

const batches = fc.array(
  fc.record({ interval: fc.constantFrom('1s', '1m', '15m'), values: fc.array(value, { maxLength: 40 }) }),
  { maxLength: 8 },
);

describe('observeAll: a batch of values in one pass', () => {
  it('leaves every series as observing each value in turn does', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (bs) => {
        const one = histogram();
        const each = histogram();
        for (const { interval, values } of bs) {
          observeAll(one.h, { interval }, values);
          for (const v of values) each.h.observe({ interval }, v);
        }
        assert.equal(await one.registry.metrics(), await each.registry.metrics());
      }),
    );
  });

  it('calls observe once per batch with the prom-client it is built on (else it saves nothing)', () => {
    const { h } = histogram();
    const observe = h.observe.bind(h) as (labels: { interval: string }, value: number) => void;
    let calls = 0;
    h.observe = ((labels: { interval: string }, value: number) => {
      calls += 1;
      observe(labels, value);
    }) as typeof h.observe;
    observeAll(h, { interval: '1m' }, [0.2, 3, 40, 0.001, 7]);
    assert.equal(calls, 1);
  });

  it('counts a value above the last bound in +Inf only', async () => {
    const { registry, h } = histogram();
    observeAll(h, { interval: '1m' }, [0.001, 45, 86_400]);
    const text = await registry.metrics();
    assert.match(text, /latency_seconds_bucket\{le="30",interval="1m"\} 1\n/);
    assert.match(text, /latency_seconds_bucket\{le="\+Inf",interval="1m"\} 3\n/);
    assert.match(text, /latency_seconds_sum\{interval="1m"\} 86445.001\n/);
  });

  it('refuses a value that is no finite number, as observe does', () => {
    const { h } = histogram();
    assert.throws(() => observeAll(h, { interval: '1m' }, [1, Number.NaN]), /not a valid number/);
    assert.throws(() => observeAll(h, { interval: '1m' }, [Number.POSITIVE_INFINITY]), /not a valid number/);
  });

  it('refuses an unknown label, as observe does', () => {
    const { h } = histogram();
    assert.throws(() => observeAll(h, { symbol: 'BTCUSDC' } as never, [1, 2]), /symbol/);
  });

  it('hands every value to observe when the histogram is not laid out as prom-client 15 keeps it', () => {
    const seen: number[] = [];
    const other = { observe: (_: unknown, v: number) => void seen.push(v) };
    observeAll(other as never, { interval: '1m' }, [0.2, 3, 40]);
    assert.deepEqual(seen, [0.2, 3, 40]);
  });

  it('does nothing with no values', async () => {
    const { registry, h } = histogram();
    observeAll(h, { interval: '1m' }, []);
    assert.doesNotMatch(await registry.metrics(), /interval="1m"/);
  });
});
