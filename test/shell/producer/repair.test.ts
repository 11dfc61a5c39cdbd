import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { rawPoint } from '../../../src/core/points/point.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { collect, writeLines } from '../../../src/shell/influx/influx.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { runProducer, type ProducerConfig } from '../../../src/shell/producer/producer.ts';
import { startBinanceServer, type BinanceServer } from '../../support/binanceServer.ts';
import {
  capturingLog,
  consumerConfig,
  dropRun,
  newRun,
  quietLog,
  storedPoints,
  topicRecords,
  waitFor,
  type Run,
} from '../pipeline/harness.ts';

const S = 1000;
const SYMBOLS = ['BTCUSDC', 'ETHUSDC'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opened: { binance: BinanceServer; run: Run }[] = [];

/** A test server replaying recorded candles as 1s candles from `secondsBack` before now, and a fresh run. */
const open = async (secondsBack: number) => {
  const epoch = Math.floor(Date.now() / S) * S - secondsBack * S;
  const binance = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
  const run = await newRun();
  opened.push({ binance, run });
  const config = (from: number, extra: Partial<ProducerConfig> = {}): ProducerConfig => ({
    symbols: SYMBOLS,
    intervals: ['1s'],
    brokers: run.endpoints.kafka.brokers,
    topicPrefix: run.prefix,
    binanceUrl: binance.url,
    from,
    fromExplicit: true,
    timeoutMs: 2000,
    partitions: 3,
    influx: { target: run.endpoints.influx, bucketRaw: run.raw },
    ...extra,
  });
  return { epoch, binance, run, config };
};

/** Raw points written straight into the run's raw bucket, as a consumer would have stored them. */
const store = async (run: Run, symbol: string, candles: readonly Candle[]) =>
  writeLines(
    run.endpoints.influx,
    run.raw,
    candles.map((c) => toLineProtocol(rawPoint({ ...c, symbol, interval: '1s' }))),
  );

const runLiveFor = async (config: ProducerConfig, ms: number, log = quietLog()) => {
  const stop = new AbortController();
  const counts = runProducer(config, log, stop.signal);
  await sleep(ms);
  stop.abort();
  return counts;
};

const gapsCounted = async (): Promise<number> =>
  (await metrics().registry.getSingleMetric('cryptostream_binance_gaps_total')?.get())?.values.find(
    (v) => v.labels['interval'] === '1s',
  )?.value ?? 0;

describe('the producer repairs the holes of the stored series (real Kafka and InfluxDB, Binance test server)', () => {
  after(async () => {
    for (const { binance, run } of opened) {
      await binance.close();
      await dropRun(run).catch(() => undefined);
    }
  });

  it('a hole the empty topic cannot explain is repaired over REST, only it is published again, the stored series is complete; its pipeline points arrive', async () => {
    const { epoch, binance, run, config } = await open(120);
    const inHole = (t: number) => t >= epoch + 30 * S && t < epoch + 60 * S;
    for (const symbol of SYMBOLS)
      await store(
        run,
        symbol,
        binance
          .candles(symbol, '1s')
          .filter((c) => c.openTime >= epoch && c.openTime < epoch + 100 * S && !inHole(c.openTime)),
      );
    const consumer = await startConsumer(consumerConfig(run, '1s'), quietLog());
    try {
      binance.fail({ kind: 'rate-limit', retryAfterSeconds: 1 });
      const counts = await runLiveFor(config(epoch, { reportEveryMs: 1000 }), 7000);
      const records = await topicRecords(run, '1s');
      for (const symbol of SYMBOLS) {
        const times = records
          .filter((r) => r.key === symbol)
          .map((r) => r.candle!.openTime)
          .sort((a, b) => a - b);
        assert.equal(new Set(times).size, times.length, `${symbol}: published once each`);
        const newest = times.at(-1)!;
        assert.ok(newest > epoch + 110 * S, `${symbol}: follows live`);
        const expected = [
          ...Array.from({ length: 30 }, (_, i) => epoch + (30 + i) * S),
          ...Array.from({ length: (newest - epoch) / S - 99 }, (_, i) => epoch + (100 + i) * S),
        ];
        assert.deepEqual(
          times,
          expected,
          `${symbol}: the hole and what follows the stored series, nothing else`,
        );
        const served = new Map(binance.candles(symbol, '1s').map((c) => [c.openTime, c]));
        await waitFor(`${symbol} stored up to ${newest}`, async () =>
          (await storedPoints(run, symbol, '1s', 'raw')).some((p) => p.time === newest),
        );
        const stored = await storedPoints(run, symbol, '1s', 'raw');
        assert.deepEqual(
          stored.map((p) => p.time),
          Array.from({ length: (newest - epoch) / S + 1 }, (_, i) => epoch + i * S),
          `${symbol}: every second stored, no hole`,
        );
        for (const p of stored.filter((p) => inHole(p.time)))
          assert.equal(p.fields['close'], Number(served.get(p.time)!.close), `${symbol} ${p.time}`);
        // The `pipeline` points: their counts add up to the run's.
        const c = counts.get('1s')!.get(symbol)!;
        const rows = await collect(
          run.endpoints.influx,
          `from(bucket: "${run.raw}") |> range(start: 0)
            |> filter(fn: (r) => r._measurement == "pipeline" and r.role == "producer" and r.symbol == "${symbol}" and r.interval == "1s")
            |> sum() |> keep(columns: ["_field", "_value"])`,
        );
        const sums = Object.fromEntries(rows.map((r) => [r['_field'], r['_value']]));
        assert.deepEqual(sums, { fetched: c.fetched, published: c.published, dead_letters: 0 }, symbol);
        assert.equal(c.published, times.length);
      }
      const process = await collect(
        run.endpoints.influx,
        `from(bucket: "${run.raw}") |> range(start: 0)
          |> filter(fn: (r) => r._measurement == "pipeline" and r.role == "producer" and not exists r.symbol)
          |> group(columns: ["_field"])`,
      );
      const field = (f: string) => process.filter((r) => r['_field'] === f).map((r) => Number(r['_value']));
      assert.ok(field('binance_429').length >= 4, 'a report every second and one at the stop');
      assert.equal(
        field('binance_429').reduce((a, b) => a + b, 0),
        1,
        'the one 429',
      );
      assert.equal(
        field('binance_418').reduce((a, b) => a + b, 0),
        0,
      );
      assert.ok(field('binance_weight').every((w) => w > 0));
    } finally {
      await consumer.stop();
    }
  });

  it('a stored series that ends before the default start (the topic expired during a long outage): the producer starts right after it, nothing left empty', async () => {
    const { epoch, binance, run, config } = await open(120);
    for (const symbol of SYMBOLS)
      await store(
        run,
        symbol,
        binance.candles(symbol, '1s').filter((c) => c.openTime >= epoch && c.openTime < epoch + 20 * S),
      );
    const consumer = await startConsumer(consumerConfig(run, '1s'), quietLog());
    try {
      // As without --from: the default start lies 60 s after the newest stored candle.
      await runLiveFor(config(epoch + 80 * S, { fromExplicit: false }), 6000);
      const records = await topicRecords(run, '1s');
      for (const symbol of SYMBOLS) {
        const times = records
          .filter((r) => r.key === symbol)
          .map((r) => r.candle!.openTime)
          .sort((a, b) => a - b);
        const newest = times.at(-1)!;
        assert.deepEqual(
          times,
          Array.from({ length: (newest - epoch) / S - 19 }, (_, i) => epoch + (20 + i) * S),
          `${symbol}: from right after the stored series on, once each`,
        );
        await waitFor(`${symbol} stored up to ${newest}`, async () =>
          (await storedPoints(run, symbol, '1s', 'raw')).some((p) => p.time === newest),
        );
        assert.deepEqual(
          (await storedPoints(run, symbol, '1s', 'raw')).map((p) => p.time),
          Array.from({ length: (newest - epoch) / S + 1 }, (_, i) => epoch + i * S),
          `${symbol}: every second stored, no hole`,
        );
      }
    } finally {
      await consumer.stop();
    }
  });

  it('a hole Binance has no candles for is reported once as a gap, checked once more later, then given up', async () => {
    const { epoch, binance, run, config } = await open(30);
    // Stored points before the server's first candle (it has none there), a hole, then real ones.
    const before = (t: number) => t < epoch - 50 * S;
    for (const symbol of SYMBOLS) {
      const served = binance.candles(symbol, '1s');
      const early = served.slice(0, 10).map((c, i) => ({
        ...c,
        openTime: epoch - 60 * S + i * S,
        closeTime: epoch - 60 * S + i * S + 999,
      }));
      await store(run, symbol, [...early, ...served.filter((c) => c.openTime < epoch + 20 * S)]);
      assert.ok(early.every((c) => before(c.openTime)));
    }
    const counted = await gapsCounted();
    const { log, records } = capturingLog('info');
    await runLiveFor(config(epoch - 60 * S, { gapRecheckMs: 2000 }), 7000, log);
    const hole = { from: epoch - 50 * S, to: epoch - S };
    for (const symbol of SYMBOLS) {
      const asked = binance.requests.filter(
        (r) => r.symbol === symbol && r.startTime !== undefined && r.startTime < epoch,
      );
      assert.deepEqual(
        asked.map((r) => r.startTime),
        [hole.from, hole.from],
        `${symbol}: asked for once, and once more on the re-check`,
      );
      const reported = records.filter((r) => r['symbol'] === symbol && String(r['msg']).includes('a gap'));
      assert.equal(reported.length, 1, `${symbol}: reported once`);
      assert.equal(reported[0]!['level'], 40, 'warn');
      assert.equal(reported[0]!['interval'], '1s');
      assert.equal(reported[0]!['from'], new Date(hole.from).toISOString());
      assert.equal(reported[0]!['to'], new Date(hole.to).toISOString());
      const givenUp = records.filter((r) => r['symbol'] === symbol && String(r['msg']).includes('given up'));
      assert.equal(givenUp.length, 1, `${symbol}: given up after its re-check`);
    }
    assert.equal((await gapsCounted()) - counted, SYMBOLS.length, 'counted once per gap');
  });
});
