import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import {
  asRow,
  capturingLog,
  consumerConfig,
  dropRun,
  expectedPoints,
  groupLag,
  influxApi,
  newRun,
  publishCandles,
  readTopic,
  storedPoints,
  waitFor,
  type Run,
} from './harness.ts';

const STEP = 15 * 60_000;

/** Gives a bucket of the run a retention of one hour. */
const retainOneHour = async (run: Run, name: string): Promise<void> => {
  const { influx } = run.endpoints;
  const found = (await influxApi(influx, 'GET', `/api/v2/buckets?name=${name}`)) as {
    buckets: { id: string }[];
  };
  await influxApi(influx, 'PATCH', `/api/v2/buckets/${found.buckets[0]!.id}`, {
    retentionRules: [{ type: 'expire', everySeconds: 3600, shardGroupDurationSeconds: 3600 }],
  });
};

/** The last `n` candles of a market moved so that they close before now, inside the last hour. */
const recent = (candles: readonly MarketCandle[], n: number): MarketCandle[] => {
  const last = Math.floor(Date.now() / STEP) * STEP - STEP;
  return candles.slice(-n).map((c, i) => {
    const openTime = last - (n - 1 - i) * STEP;
    return { ...c, openTime, closeTime: openTime + STEP - 1 };
  });
};

const deadLetters = async (): Promise<number> => {
  const metric = await metrics().deadLetters.get();
  return metric.values.filter((v) => v.labels['field'] === 'openTime').reduce((sum, v) => sum + v.value, 0);
};

describe('points InfluxDB refuses (422, outside a 1 h retention): dead-lettered, the rest stored (real Kafka and InfluxDB)', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
    for (const b of [run.raw, run.enriched]) await retainOneHour(run, b);
  });
  after(() => dropRun(run).catch(() => undefined));

  it('dead-letters the candles older than the retention, stores the recent ones once, commits everything and moves on', async () => {
    const week = fifteenMinuteWeek('BTCUSDC');
    const old = week.slice(0, 200);
    const fresh = recent(week, 3);
    const ethOld = fifteenMinuteWeek('ETHUSDC').slice(0, 50);
    await publishCandles(run, '15m', [...old, ...fresh, ...ethOld]);
    const deadBefore = await deadLetters();
    const { log, records } = capturingLog('info');
    const started = Date.now();
    const consumer = await startConsumer(consumerConfig(run, '15m'), log);
    try {
      await waitFor('the whole topic committed', async () => (await groupLag(run, '15m')) === 0, 60_000);
      process.stderr.write(`# 253 records, 250 refused: committed in ${Date.now() - started} ms\n`);
      // The recent candles are stored, enriched from the state the old ones built.
      const expected = expectedPoints([...old, ...fresh]);
      assert.deepEqual(await storedPoints(run, 'BTCUSDC', '15m', 'raw'), expected.raw.slice(-3).map(asRow));
      assert.deepEqual(
        await storedPoints(run, 'BTCUSDC', '15m', 'enriched'),
        expected.enriched.slice(-3).map(asRow),
      );
      assert.deepEqual(await storedPoints(run, 'ETHUSDC', '15m', 'raw'), []);
      const dlq = await readTopic(run, `${run.prefix}15m-dlq`, 250);
      assert.equal(dlq.length, 250);
      assert.deepEqual(
        new Map([...Map.groupBy(dlq, (r) => r.key ?? '?')].map(([k, v]) => [k, v.length])),
        new Map([
          ['BTCUSDC', 200],
          ['ETHUSDC', 50],
        ]),
      );
      for (const r of dlq) {
        assert.equal(r.headers['error-field'], 'openTime');
        assert.match(r.headers['error-reason'] ?? '', /^InfluxDB refused the raw point: .*retention/);
      }
      assert.equal(consumer.counts.get('BTCUSDC')?.rejected, 200);
      assert.equal(consumer.counts.get('BTCUSDC')?.stored, 3);
      assert.equal((await deadLetters()) - deadBefore, 250);
      assert.equal(
        records.filter((r) => r['msg'] === 'batch not stored; retrying (nothing committed)').length,
        0,
        'a 422 is not retried',
      );
      assert.ok(consumer.ready(), consumer.reason());
    } finally {
      await consumer.stop();
    }
  });
});
