import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { bareKafka } from '../../support/kafka.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { serveWorkerHttp } from '../../../src/shell/observability/http.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { services } from '../../support/services.ts';
import {
  assertStoredExactly,
  binanceAndRun,
  consumerConfig,
  countStored,
  expectedCandles,
  producerConfig,
  quietLog,
  SYMBOLS,
  topicRecords,
  waitFor,
} from './harness.ts';
import { startInfluxProxy } from './influxProxy.ts';

describe('faults: Binance errors, InfluxDB outage (real Kafka and InfluxDB)', () => {
  const fixture = binanceAndRun();

  it('publishes every candle exactly once through 429, 418, 500, timeouts, truncated and malformed bodies, sending nothing during Retry-After', async () => {
    const { binance, run } = fixture;
    binance.fail({ kind: 'rate-limit', retryAfterSeconds: 2 });
    binance.fail({ kind: 'server-error' }, 2);
    binance.fail({ kind: 'delay', ms: 3000 });
    binance.fail({ kind: 'truncated' });
    binance.fail({ kind: 'malformed' });
    binance.fail({ kind: 'ban', retryAfterSeconds: 1 });
    const counts = await runProducer(
      producerConfig(run, binance, '15m'),
      quietLog(),
      new AbortController().signal,
    );
    const expected = SYMBOLS.map((s) => expectedCandles(binance, s, '15m'));
    for (const [i, symbol] of SYMBOLS.entries())
      assert.equal(counts.get('15m')?.get(symbol)?.published, expected[i]!.length, symbol);

    const requests = [...binance.requests].sort((a, b) => a.time - b.time);
    assert.deepEqual(
      requests.filter((r) => r.fault !== undefined).map((r) => r.fault),
      ['rate-limit', 'server-error', 'server-error', 'delay', 'truncated', 'malformed', 'ban'],
    );
    for (const [i, r] of requests.entries()) {
      const wait = r.fault === 'rate-limit' ? 2000 : r.fault === 'ban' ? 1000 : 0;
      const next = requests[i + 1];
      if (wait > 0 && next !== undefined)
        assert.ok(next.time >= r.time + wait, `a request ${next.time - r.time} ms after a ${r.status}`);
    }

    const records = (await topicRecords(run, '15m')).map((r) =>
      r.candle === undefined ? 'invalid' : `${r.candle.symbol}@${r.candle.openTime}`,
    );
    assert.equal(records.length, 4 * 672);
    assert.equal(new Set(records).size, records.length, 'a candle was published twice');
  });

  it('stores nothing and commits nothing while InfluxDB is down, then everything exactly once', async () => {
    const { binance, run } = fixture;
    const proxy = await startInfluxProxy(services().influx.url);
    proxy.setDown(true);
    const config = consumerConfig(run, '15m');
    const consumer = await startConsumer(
      { ...config, influx: { ...config.influx, url: proxy.url } },
      quietLog(),
    );
    const kafka = bareKafka({ brokers: [...services().kafka.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor('three refused InfluxDB requests', async () => proxy.refused() >= 3);
      const [offsets] = await admin.fetchOffsets({ groupId: config.groupId, topics: [`${run.prefix}15m`] });
      assert.ok(
        offsets!.partitions.every((p) => p.offset === '-1'),
        JSON.stringify(offsets),
      );
      assert.equal(consumer.ready(), false);
      proxy.setDown(false);
      await waitFor('15m stored', async () => (await countStored(run, '15m', 'enriched')) >= 4 * 672);
      await waitFor('offsets committed', async () => {
        const [o] = await admin.fetchOffsets({ groupId: config.groupId, topics: [`${run.prefix}15m`] });
        const topicOffsets = await admin.fetchTopicOffsets(`${run.prefix}15m`);
        return topicOffsets
          .filter((t) => t.high !== t.low)
          .every((t) => o!.partitions.find((p) => p.partition === t.partition)?.offset === t.high);
      });
      assert.equal(consumer.ready(), true);
    } finally {
      await consumer.stop();
      await admin.disconnect();
      await proxy.close();
    }
    await assertStoredExactly(run, binance, '15m');
  });

  it('exposes the pipeline metrics with the values of the runs above on /metrics', async () => {
    const server = await serveWorkerHttp(0, () => true);
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const value = (pattern: RegExp): number => Number(pattern.exec(body)?.[1] ?? Number.NaN);
      assert.equal(
        value(/^cryptostream_candles_published_total\{symbol="BTCUSDC",interval="15m"\} (\d+)$/m),
        672,
      );
      assert.ok(
        value(/^cryptostream_candles_fetched_total\{symbol="BTCUSDC",interval="15m"\} (\d+)$/m) >= 672,
      );
      assert.equal(value(/^cryptostream_binance_rate_limited_total\{status="429"\} (\d+)$/m), 1);
      assert.equal(value(/^cryptostream_binance_rate_limited_total\{status="418"\} (\d+)$/m), 1);
      assert.ok(value(/^cryptostream_binance_used_weight (\d+)$/m) > 0);
      assert.ok(value(/^cryptostream_candles_written_total\{interval="15m",kind="raw"\} (\d+)$/m) >= 4 * 672);
      assert.ok(value(/^cryptostream_candles_consumed_total\{interval="15m"\} (\d+)$/m) >= 4 * 672);
      assert.ok(value(/^cryptostream_influx_write_failures_total (\d+)$/m) >= 3);
      assert.ok(value(/^cryptostream_end_to_end_latency_seconds_count\{interval="15m"\} (\d+)$/m) >= 4 * 672);
      assert.ok(value(/^cryptostream_batch_size_count\{interval="15m"\} (\d+)$/m) >= 1);
      assert.match(body, /^cryptostream_consumer_lag\{topic="[^"]+",partition="\d+"\} 0$/m);
      assert.match(body, /^# TYPE cryptostream_dead_letters_total counter$/m);
      assert.match(body, /^cryptostream_process_resident_memory_bytes \d+/m);
      for (const path of ['/healthz', '/readyz'])
        assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 200, path);
    } finally {
      server.close();
    }
  });
});
