import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import {
  consumerConfig,
  dropRun,
  flux,
  newRun,
  publishCandles,
  quietLog,
  waitFor,
  type Run,
} from '../pipeline/harness.ts';

/** The consumer's `pipeline` points of the run, summed per series over everything written. */
const reports = async (run: Run) =>
  flux(
    run,
    `from(bucket: "${run.raw}") |> range(start: 0)
      |> filter(fn: (r) => r._measurement == "pipeline" and r.role == "consumer")
      |> group(columns: ["symbol", "_field"])
      |> sum()`,
  );

describe("the consumer's pipeline health points (real Kafka and InfluxDB)", () => {
  let run: Run;
  before(async () => (run = await newRun()));
  after(() => dropRun(run).catch(() => undefined));

  it('reports what it stored per symbol, its latencies, lag and dead letters, to the raw bucket', async () => {
    const btc = fifteenMinuteWeek('BTCUSDC').slice(0, 300);
    const eth = fifteenMinuteWeek('ETHUSDC').slice(0, 200);
    await publishCandles(run, '15m', [...btc, ...eth]);
    const consumer = await startConsumer({ ...consumerConfig(run, '15m'), reportEveryMs: 300 }, quietLog());
    try {
      await waitFor(
        'every candle stored',
        async () => [...consumer.counts.values()].reduce((n, c) => n + c.stored, 0) >= 500,
      );
    } finally {
      await consumer.stop();
    }
    const rows = await reports(run);
    const total = (symbol: string, field: string) =>
      rows.find((r) => r['symbol'] === symbol && r['_field'] === field)?.['_value'];
    assert.equal(total('BTCUSDC', 'stored'), 300);
    assert.equal(total('ETHUSDC', 'stored'), 200);
    // The week is from 2024: its candles closed long before they were stored.
    assert.ok(Number(total('BTCUSDC', 'latency_p50_ms')) > 0);
    // The replica's own points have no symbol (Flux shows the missing tag as '').
    assert.equal(total('', 'dead_letters'), 0);
    assert.equal(total('', 'lag'), 0, 'the lag is reported, and nothing is left behind');
  });
});
