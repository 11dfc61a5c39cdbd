import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { bareKafka } from '../../support/kafka.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
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
  waitFor,
} from './harness.ts';

const INTERVALS = ['15m', '1h'] as const;

describe('Binance → producer → Kafka → consumer → InfluxDB (real servers)', () => {
  const fixture = binanceAndRun();

  it('backfills the 15m and 1h data of four symbols: raw equal to the input, enriched equal to the pure core, counts exact', async () => {
    const { binance, run } = fixture;
    const log = quietLog();
    const total = (interval: (typeof INTERVALS)[number]) =>
      SYMBOLS.reduce((n, s) => n + expectedCandles(binance, s, interval).length, 0);
    for (const interval of INTERVALS) {
      const counts = await runProducer(
        producerConfig(run, binance, interval),
        log,
        new AbortController().signal,
      );
      for (const symbol of SYMBOLS)
        assert.equal(
          counts.get(interval)?.get(symbol)?.published,
          expectedCandles(binance, symbol, interval).length,
          `${symbol} ${interval}`,
        );
    }
    const consumers = await Promise.all(INTERVALS.map((i) => startConsumer(consumerConfig(run, i), log)));
    try {
      for (const interval of INTERVALS)
        await waitFor(
          `${interval} stored`,
          async () => (await countStored(run, interval, 'enriched')) >= total(interval),
        );
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
    }
    for (const interval of INTERVALS) await assertStoredExactly(run, binance, interval);
    assert.equal(await countStored(run, '15m', 'raw'), 4 * 672);
    assert.equal(await countStored(run, '1h', 'raw'), 4 * 720 + 744);
  });

  it('sends malformed records to the dead-letter topic with their reason while valid ones still flow', async () => {
    const { binance, run } = fixture;
    const { kafka: k } = services();
    const kafka = bareKafka({ brokers: [...k.brokers], logLevel: logLevel.NOTHING });
    const topic = `${run.prefix}15m`;
    const valid = expectedCandles(binance, 'BTCUSDC', '15m').slice(0, 3);
    const producer = kafka.producer();
    await producer.connect();
    const group = `${run.group}-dlq`;
    await producer.send({
      topic,
      messages: [
        { key: 'BTCUSDC', value: 'not json' },
        {
          key: 'BTCUSDC',
          value: JSON.stringify({
            ...valid[0],
            symbol: 'BTCUSDC',
            interval: '15m',
            low: '99999999.00000000',
          }),
        },
        { key: 'ETHUSDC', value: JSON.stringify({ ...valid[1], symbol: 'BTCUSDC', interval: '15m' }) },
        { key: 'BTCUSDC', value: JSON.stringify({ ...valid[2], symbol: 'BTCUSDC', interval: '15m' }) },
      ],
    });
    await producer.disconnect();
    const consumer = await startConsumer({ ...consumerConfig(run, '15m'), groupId: group }, quietLog());
    const letters: { reason: string; field: string; offset: string }[] = [];
    const reader = kafka.consumer({ groupId: `${group}-reader` });
    await reader.connect();
    await reader.subscribe({ topics: [`${topic}-dlq`], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        letters.push({
          reason: message.headers?.['error-reason']?.toString() ?? '',
          field: message.headers?.['error-field']?.toString() ?? '',
          offset: message.headers?.['original-offset']?.toString() ?? '',
        });
      },
    });
    try {
      await waitFor('three dead letters', async () => letters.length >= 3);
    } finally {
      await reader.disconnect();
      await consumer.stop();
    }
    assert.deepEqual(
      letters.map((l) => l.field),
      ['', 'low', 'key'],
    );
    assert.ok(letters.every((l) => l.reason.length > 0 && /^\d+$/.test(l.offset)));
    assert.equal(consumer.counts.get('BTCUSDC')?.rejected, 2);
    assert.equal(consumer.counts.get('ETHUSDC')?.rejected, 1);
    assert.ok((consumer.counts.get('BTCUSDC')?.stored ?? 0) > 0);
  });
});
