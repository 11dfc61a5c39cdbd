import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { rawPoint } from '../../../src/core/points/point.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { writeLines } from '../../../src/shell/influx/influx.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import {
  asRow,
  binanceAndRun,
  consumerConfig,
  countStored,
  expectedCandles,
  producerConfig,
  quietLog,
  RANGES,
  storedPoints,
  SYMBOLS,
  waitFor,
} from './harness.ts';

const HOURS = 7 * 24;

describe('derived 1h candles from the 15m stream, compared with the exchange 1h candles (real Kafka and InfluxDB)', () => {
  const fixture = binanceAndRun();

  it('stores the derived candles, counts matches, and reports a tampered exchange candle as a mismatch with a log event', async () => {
    const { binance, run } = fixture;
    for (const interval of ['15m', '1h'] as const)
      await runProducer(producerConfig(run, binance, interval), quietLog(), new AbortController().signal);
    const hourly = await startConsumer(consumerConfig(run, '1h'), quietLog());
    try {
      await waitFor('1h stored', async () => (await countStored(run, '1h', 'raw')) >= 4 * 720 + 744);
    } finally {
      await hourly.stop();
    }
    // One exchange candle altered in storage: ETHUSDC 2024-09-18 12:00, volume + 1.
    const week = RANGES['15m'];
    const inWeek = (symbol: string) =>
      expectedCandles(binance, symbol, '1h').filter((c) => c.openTime >= week.from && c.openTime < week.to);
    const tampered = inWeek('ETHUSDC').find((c) => c.openTime === Date.UTC(2024, 8, 18, 12))!;
    const volume = (Number(tampered.volume) + 1).toFixed(8);
    await writeLines(run.endpoints.influx, run.raw, [
      `kline,coin=ETHUSDC,interval=1h,type=raw open=${tampered.open},high=${tampered.high},low=${tampered.low},close=${tampered.close},volume=${volume},trades=${tampered.trades}i ${tampered.openTime}`,
    ]);

    const logged: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const consumer = await startConsumer({ ...consumerConfig(run, '15m'), derive: ['1h'] }, log);
    try {
      await waitFor('every derived candle compared', async () => {
        const o = consumer.derivation!.outcomes();
        return o.match + o.mismatch + o.unverified >= 4 * HOURS;
      });
      assert.deepEqual(consumer.derivation!.outcomes(), { match: 4 * HOURS - 1, mismatch: 1, unverified: 0 });
    } finally {
      await consumer.stop();
    }
    const mismatch = logged.filter((l) => l['msg'] === 'derived candle differs from the exchange candle');
    assert.equal(mismatch.length, 1);
    assert.deepEqual(
      [mismatch[0]!['symbol'], mismatch[0]!['interval'], mismatch[0]!['openTime'], mismatch[0]!['fields']],
      ['ETHUSDC', '1h', tampered.openTime, ['volume']],
    );
    const counted = (await metrics().derivedMismatchFields.get()).values;
    assert.deepEqual(
      counted.map((v) => [v.labels, v.value]),
      [[{ interval: '1h', field: 'volume' }, 1]],
    );
    for (const symbol of SYMBOLS)
      assert.deepEqual(
        await storedPoints(run, symbol, '1h', 'derived'),
        inWeek(symbol).map((c) => asRow(rawPoint(c))),
        `${symbol}: the derived candles are Binance's own 1h candles`,
      );
  });
});
