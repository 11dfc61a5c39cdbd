import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { bareKafka } from '../../support/kafka.ts';
import { intervalMs } from '../../../src/core/kline/interval.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { startBinanceServer, type BinanceServer, type Corruption } from '../../support/binanceServer.ts';
import {
  assertStoredExactly,
  consumerConfig,
  countStored,
  dropRun,
  newRun,
  producerConfig,
  quietLog,
  RANGES,
  SYMBOLS,
  waitFor,
  type Run,
} from './harness.ts';

const M = intervalMs['15m'];
const { from, to } = RANGES['15m'];

/**
 * One bad row in the middle of BTC's first page, one as the very last row of ETH's range, and in the
 * middle of XRP's a row whose open time is not a time (asked for again, then placed by its neighbours).
 */
const corrupt: Corruption[] = [
  { symbol: 'BTCUSDC', interval: '15m', openTime: from + 100 * M, kind: 'non-numeric-price' },
  { symbol: 'ETHUSDC', interval: '15m', openTime: to - M, kind: 'high-below-low' },
  { symbol: 'XRPUSDC', interval: '15m', openTime: from + 300 * M, kind: 'unreadable-open-time' },
];

type Letter = { key: string; value: string; headers: Record<string, string> };

describe('a bad kline row from Binance (real Kafka and InfluxDB)', () => {
  let binance: BinanceServer;
  let run: Run;
  before(async () => {
    binance = await startBinanceServer({ corrupt });
    run = await newRun();
  });
  after(async () => {
    await binance.close();
    await dropRun(run).catch(() => undefined);
  });

  it('publishes the other candles exactly, sends the bad row to the dead-letter topic with its reason, and moves on', async () => {
    const rejectedBefore = await metrics().rejectedKlines?.get();
    const consumer = await startConsumer(consumerConfig(run, '15m'), quietLog());
    try {
      // Bounded by a deadline: a producer stalled on the bad row would never finish its range.
      const stop = new AbortController();
      const deadline = setTimeout(() => stop.abort(), 60_000);
      const counts = await runProducer(producerConfig(run, binance, '15m'), quietLog(), stop.signal).finally(
        () => clearTimeout(deadline),
      );
      const at15m = counts.get('15m')!;
      assert.equal(stop.signal.aborted, false, 'the producer finished its range');
      for (const symbol of SYMBOLS) {
        const bad = corrupt.filter((c) => c.symbol === symbol).length;
        assert.deepEqual(
          at15m.get(symbol),
          { fetched: 672 - bad, published: 672 - bad, rejected: bad },
          symbol,
        );
      }
      await waitFor('15m stored', async () => (await countStored(run, '15m', 'enriched')) >= 4 * 672 - 3);
    } finally {
      await consumer.stop();
    }
    // The served candles without the bad rows, stored exactly (enriched as a series without them).
    await assertStoredExactly(run, binance, '15m');

    const letters = await deadLetters(run, 3);
    assert.deepEqual(
      letters.map((l) => [l.key, l.headers['symbol'], l.headers['open-time'], l.headers['error-field']]),
      [
        ['BTCUSDC', 'BTCUSDC', String(from + 100 * M), 'close'],
        ['ETHUSDC', 'ETHUSDC', String(to - M), 'low'],
        ['XRPUSDC', 'XRPUSDC', String(from + 300 * M), 'openTime'],
      ],
    );
    const xrp = letters.pop()!;
    assert.equal((JSON.parse(xrp.value) as unknown[])[0], 'not-a-time');
    assert.match(xrp.headers['error-reason'] ?? '', /placed by its neighbours/);
    // Asked for again before the row was taken for the exchange's own: a damaged answer would be gone.
    const xrpPage = binance.requests.filter(
      (r) => r.symbol === 'XRPUSDC' && r.startTime !== undefined && r.startTime <= from + 300 * M,
    );
    assert.ok(xrpPage.length >= 4, `the page with the unreadable row was asked for ${xrpPage.length} times`);
    for (const l of letters) {
      assert.match(l.headers['error-reason'] ?? '', /\S/);
      assert.equal(l.headers['source'], new URL(binance.url).host);
      assert.equal(l.headers['interval'], '15m');
      const row = JSON.parse(l.value) as unknown[];
      assert.equal(row.length, 12);
      assert.equal(row[0], Number(l.headers['open-time']));
    }
    assert.equal((JSON.parse(letters[0]!.value) as unknown[])[4], 'NaN');

    const counted = (
      m: Awaited<ReturnType<ReturnType<typeof metrics>['rejectedKlines']['get']>>,
      field: string,
    ) => m.values.find((v) => v.labels['interval'] === '15m' && v.labels['field'] === field)?.value ?? 0;
    const now = await metrics().rejectedKlines.get();
    assert.equal(counted(now, 'close') - counted(rejectedBefore!, 'close'), 1);
    assert.equal(counted(now, 'low') - counted(rejectedBefore!, 'low'), 1);
  });
});

/** The records of the run's 15m dead-letter topic (sorted by symbol), once `count` are there. */
const deadLetters = async (run: Run, count: number): Promise<Letter[]> => {
  const kafka = bareKafka({ brokers: [...run.endpoints.kafka.brokers], logLevel: logLevel.NOTHING });
  const reader = kafka.consumer({ groupId: `${run.group}-dlq-reader` });
  const letters: Letter[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topics: [`${run.prefix}15m-dlq`], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        letters.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? '']),
          ),
        });
      },
    });
    await waitFor(`${count} dead letters`, async () => letters.length >= count, 30_000);
    // Nothing more arrives: each bad row is sent once.
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await reader.disconnect();
  }
  assert.equal(letters.length, count);
  return letters.sort((a, b) => a.key.localeCompare(b.key));
};
