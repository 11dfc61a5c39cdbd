import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alertId, alertRules, type AlertSpec } from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { makeKafka, withAdmin } from '../../../src/shell/kafka/client.ts';
import { alertsTopicOf } from '../../../src/shell/kafka/topics.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import {
  consumerConfig,
  dropRun,
  flux,
  newRun,
  publishCandles,
  quietLog,
  readTopic,
  waitFor,
  type Run,
} from './harness.ts';

const week = fifteenMinuteWeek('BTCUSDC');

/** The open times at which a value series crosses a threshold (strictly), counted with a plain loop. */
const crossings = (values: readonly (number | undefined)[], above: boolean, threshold: number): number[] => {
  const out: number[] = [];
  const holds = (v: number | undefined) => v !== undefined && (above ? v > threshold : v < threshold);
  for (let i = 1; i < values.length; i++) if (holds(values[i]) && !holds(values[i - 1])) out.push(i);
  return out;
};

describe('threshold alerts from the consumer (real Kafka and InfluxDB)', () => {
  let run: Run;
  before(async () => (run = await newRun()));
  after(() => dropRun(run).catch(() => undefined));

  it('fires exactly the crossings of the recorded week, once each, across a consumer restart in the middle', async () => {
    const closes = week.map((c) => Number(c.close));
    // The consumer restarts after candle `half`: the price rule holds on both sides of it, so a consumer
    // that did not rebuild its state from the stored candles would fire that crossing a second time.
    const half = 336;
    const price = Math.min(closes[half - 1]!, closes[half]!) - 1;
    let state = enricher(defaultIndicatorConfig).init;
    const rsi = week.map((c) => {
      const [next, values] = enricher(defaultIndicatorConfig).step(state, c);
      state = next;
      return values['rsi_14'];
    });
    const specs: AlertSpec[] = [
      { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: price, interval: '15m' },
      { name: 'btc-rsi-high', symbol: 'BTCUSDC', field: 'rsi', above: 70, interval: '15m' },
      { name: 'btc-rsi-low', symbol: 'BTCUSDC', field: 'rsi', below: 30, interval: '15m' },
    ];
    const expected = [
      ...crossings(closes, true, price).map((i) => alertId('btc-high', 'BTCUSDC', '15m', week[i]!.openTime)),
      ...crossings(rsi, true, 70).map((i) => alertId('btc-rsi-high', 'BTCUSDC', '15m', week[i]!.openTime)),
      ...crossings(rsi, false, 30).map((i) => alertId('btc-rsi-low', 'BTCUSDC', '15m', week[i]!.openTime)),
    ].sort();
    assert.ok(expected.length >= 10, `${expected.length} crossings: a test worth running`);

    const rules = alertRules({ alerts: specs, intervals: ['15m'], indicators: defaultIndicatorConfig });
    assert.ok(rules.ok);
    const config = { ...consumerConfig(run, '15m'), alerts: rules.value };
    const consume = async (candles: readonly MarketCandle[], total: number) => {
      await publishCandles(run, '15m', candles);
      const consumer = await startConsumer(config, quietLog());
      try {
        await waitFor(`${total} candles stored`, async () => {
          const rows = await flux(
            run,
            `from(bucket: "${run.enriched}") |> range(start: 0)
              |> filter(fn: (r) => r._measurement == "kline" and r._field == "close") |> count()`,
          );
          return Number(rows[0]?.['_value'] ?? 0) >= total;
        });
      } finally {
        await consumer.stop();
      }
    };
    // A restart in the middle: the second consumer rebuilds its alert state from the stored candles.
    await consume(week.slice(0, half), half);
    await consume(week.slice(half), week.length);

    const topic = alertsTopicOf(run.prefix, '15m');
    const kafka = makeKafka(run.endpoints.kafka.brokers, 'test-alerts', quietLog());
    const inTopic = await withAdmin(kafka, async (admin) =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0),
    );
    assert.equal(inTopic, expected.length, 'every crossing published once, nothing more');
    const records = await readTopic(run, topic, expected.length);
    assert.deepEqual(records.map((r) => r.headers['alert-id']).sort(), expected);
    assert.ok(records.every((r) => r.key === 'BTCUSDC'));

    const points = await flux(
      run,
      `from(bucket: "${run.enriched}") |> range(start: 0)
        |> filter(fn: (r) => r._measurement == "alert" and r._field == "value")`,
    );
    assert.deepEqual(
      points
        .map((p) => alertId(String(p['rule']), String(p['symbol']), '15m', Date.parse(String(p['_time']))))
        .sort(),
      expected,
      'each alert stored once as an `alert` point',
    );
  });
});
