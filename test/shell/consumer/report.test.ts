import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { bareKafka } from '../../support/kafka.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { rawPoint } from '../../../src/core/points/point.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { fifteenMinuteWeek, readCandles } from '../../fixtures/binance.ts';
import {
  consumerConfig,
  dropRun,
  flux,
  groupLag,
  influxApi,
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

/** The consumer's points of `field` of the run summed per value of the tag `by` (`{}` when none). */
const sumsBy = async (run: Run, field: string, by: string): Promise<Record<string, unknown>> =>
  Object.fromEntries(
    (
      await flux(
        run,
        `from(bucket: "${run.raw}") |> range(start: 0)
          |> filter(fn: (r) => r._measurement == "pipeline" and r.role == "consumer" and r._field == "${field}")
          |> group(columns: ["${by}"])
          |> sum()`,
      )
    ).map((r) => [r[by], r['_value']]),
  );

const STEP = 15 * 60_000;

/** The last `n` candles of a market moved so that they close before now, inside the last hour. */
const recent = (candles: readonly MarketCandle[], n: number): MarketCandle[] => {
  const last = Math.floor(Date.now() / STEP) * STEP - STEP;
  return candles.slice(-n).map((c, i) => {
    const openTime = last - (n - 1 - i) * STEP;
    return { ...c, openTime, closeTime: openTime + STEP - 1 };
  });
};

/** Gives both buckets of the run a retention of one hour: InfluxDB refuses (422) older points. */
const retainOneHour = async (run: Run): Promise<void> => {
  const { influx } = run.endpoints;
  for (const name of [run.raw, run.enriched]) {
    const found = (await influxApi(influx, 'GET', `/api/v2/buckets?name=${name}`)) as {
      buckets: { id: string }[];
    };
    await influxApi(influx, 'PATCH', `/api/v2/buckets/${found.buckets[0]!.id}`, {
      retentionRules: [{ type: 'expire', everySeconds: 3600, shardGroupDurationSeconds: 3600 }],
    });
  }
};

/** Lines written straight into the run's raw bucket (as another consumer would have stored them). */
const writeRaw = async (run: Run, lines: readonly string[]): Promise<void> => {
  const { influx } = run.endpoints;
  const r = await fetch(
    new URL(`/api/v2/write?org=${encodeURIComponent(influx.org)}&bucket=${run.raw}&precision=ms`, influx.url),
    {
      method: 'POST',
      headers: { authorization: `Token ${influx.token}`, 'content-type': 'text/plain; charset=utf-8' },
      body: lines.join('\n'),
    },
  );
  if (!r.ok) throw new Error(`InfluxDB write: ${r.status} ${await r.text()}`);
};

describe("the consumer's pipeline health points (real Kafka and InfluxDB)", () => {
  const runs: Run[] = [];
  let run: Run;
  before(async () => {
    run = await newRun();
    runs.push(run);
  });
  after(async () => {
    for (const r of runs) await dropRun(r).catch(() => undefined);
  });

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
    assert.deepEqual(await sumsBy(run, 'dead_letters_by_field', 'field'), {}, 'no dead letter, no field');
    assert.deepEqual(await sumsBy(run, 'derived_match', 'interval'), {}, 'nothing derived');
  });

  it('reports its dead letters by the field at fault, those InfluxDB refused (422) included', async () => {
    const own = await newRun();
    runs.push(own);
    await retainOneHour(own);
    const week = fifteenMinuteWeek('BTCUSDC');
    // Three candles of 2024, older than the retention: InfluxDB refuses their points (field openTime).
    await publishCandles(own, '15m', [...week.slice(0, 3), ...recent(week, 3)]);
    const kafka = bareKafka({ brokers: [...own.endpoints.kafka.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const as15m = (c: MarketCandle) => ({ ...c, symbol: 'BTCUSDC', interval: '15m' });
    await producer.send({
      topic: `${own.prefix}15m`,
      messages: [
        { key: 'BTCUSDC', value: 'not json' }, // the record as a whole
        { key: 'BTCUSDC', value: JSON.stringify({ ...as15m(week[10]!), low: '99999999.00000000' }) },
        { key: 'ETHUSDC', value: JSON.stringify(as15m(week[11]!)) }, // a key that is not its symbol
      ],
    });
    await producer.disconnect();
    const consumer = await startConsumer({ ...consumerConfig(own, '15m'), reportEveryMs: 300 }, quietLog());
    try {
      await waitFor('the whole topic committed', async () => (await groupLag(own, '15m')) === 0, 60_000);
      await waitFor(
        'six dead letters',
        async () => [...consumer.counts.values()].reduce((n, c) => n + c.rejected, 0) >= 6,
      );
    } finally {
      await consumer.stop();
    }
    assert.deepEqual(await sumsBy(own, 'dead_letters_by_field', 'field'), {
      openTime: 3,
      record: 1,
      low: 1,
      key: 1,
    });
    assert.deepEqual(await sumsBy(own, 'dead_letters', 'role'), { consumer: 6 }, 'as many in all');
    assert.deepEqual(await sumsBy(own, 'stored', 'symbol'), { BTCUSDC: 3 });
    const tags = await flux(
      own,
      `from(bucket: "${own.raw}") |> range(start: 0)
        |> filter(fn: (r) => r._measurement == "pipeline" and r._field == "dead_letters_by_field")
        |> keys() |> keep(columns: ["_value"]) |> distinct()`,
    );
    assert.deepEqual(
      tags.map((r) => r['_value']).sort(),
      ['_field', '_measurement', '_start', '_stop', 'field', 'instance', 'interval', 'role'],
      'per replica: no symbol',
    );
  });

  it('reports the derived candles compared with the exchange by outcome, and a mismatch by field', async () => {
    const own = await newRun();
    runs.push(own);
    // Eight hours of 15m candles, and the exchange's 1h candles as the 1h consumer stored them, one
    // (02:00) with its volume altered.
    const quarters = fifteenMinuteWeek('BTCUSDC').slice(0, 32);
    const [from, to] = [quarters[0]!.openTime, quarters.at(-1)!.openTime + STEP];
    const tampered = from + 2 * 3_600_000;
    const hours = readCandles('BTCUSDT', '1h', 'BTCUSDT-1h-2024-09.json')
      .filter((c) => c.openTime >= from && c.openTime < to)
      .map((c) => ({
        ...c,
        symbol: 'BTCUSDC',
        interval: '1h' as const,
        ...(c.openTime === tampered ? { volume: (Number(c.volume) + 1).toFixed(8) } : {}),
      }));
    assert.equal(hours.length, 8);
    await writeRaw(
      own,
      hours.map((c) => toLineProtocol(rawPoint(c))),
    );
    await publishCandles(own, '15m', quarters);
    const consumer = await startConsumer(
      { ...consumerConfig(own, '15m'), derive: ['1h'], reportEveryMs: 300 },
      quietLog(),
    );
    try {
      await waitFor('every derived candle compared', async () => {
        const o = consumer.derivation!.outcomes();
        return o.match + o.mismatch + o.unverified >= 8;
      });
    } finally {
      await consumer.stop();
    }
    assert.deepEqual(consumer.derivation!.outcomes(), { match: 7, mismatch: 1, unverified: 0 });
    const rows = await flux(
      own,
      `from(bucket: "${own.raw}") |> range(start: 0)
        |> filter(fn: (r) => r._measurement == "pipeline" and r._field =~ /^derived_/)
        |> group(columns: ["interval", "_field"])
        |> sum()`,
    );
    assert.deepEqual(
      Object.fromEntries(rows.map((r) => [`${String(r['_field'])}_${String(r['interval'])}`, r['_value']])),
      { derived_match_1h: 7, derived_mismatch_1h: 1, derived_unverified_1h: 0 },
      'under the derived interval',
    );
    assert.deepEqual(await sumsBy(own, 'derivation_mismatches', 'field'), { volume: 1 });
  });
});
