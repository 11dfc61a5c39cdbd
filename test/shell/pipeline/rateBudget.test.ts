import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { binanceAndRun, producerConfig, quietLog, RANGES, SYMBOLS } from './harness.ts';

/** In a file of its own: the producer's metrics are per process, and other tests count them. */
describe('one rate budget for every interval of a producer (real Kafka)', () => {
  const fixture = binanceAndRun();

  it('keeps one rate budget for all intervals of a producer: after a 429 no request of any interval until Retry-After has passed', async () => {
    const { binance, run } = fixture;
    const week = RANGES['15m'];
    const first = binance.requests.length;
    // The third request (15m, with 1h still to come) gets a 429: everything after it waits.
    binance.fail({ kind: 'delay', ms: 50 }, 2);
    binance.fail({ kind: 'rate-limit', retryAfterSeconds: 2 });
    const counts = await runProducer(
      { ...producerConfig(run, binance, '15m'), intervals: ['15m', '1h'], ...week },
      quietLog(),
      new AbortController().signal,
    );
    for (const symbol of SYMBOLS) {
      assert.equal(counts.get('15m')?.get(symbol)?.published, 672, `${symbol} 15m`);
      assert.equal(counts.get('1h')?.get(symbol)?.published, 168, `${symbol} 1h`);
    }
    const requests = binance.requests.slice(first).sort((a, b) => a.time - b.time);
    const limited = requests.find((r) => r.fault === 'rate-limit');
    assert.ok(limited !== undefined, 'the 429 was served');
    const after = requests.filter((r) => r.time > limited.time);
    assert.ok(
      after.every((r) => r.time >= limited.time + 2000),
      `requests ${after.map((r) => `${r.interval} +${r.time - limited.time} ms`).join(', ')} after the 429`,
    );
    assert.deepEqual(
      [...new Set(after.map((r) => r.interval))].sort(),
      ['15m', '1h'],
      'both intervals went on after Retry-After',
    );
  });
});
