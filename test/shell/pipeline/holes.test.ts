import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { startBinanceServer } from '../../support/binanceServer.ts';
import {
  asRow,
  capturingLog,
  consumerConfig,
  countStored,
  dropRun,
  expectedPoints,
  groupLag,
  newRun,
  publishCandles,
  quietLog,
  storedPoints,
  waitFor,
  type Run,
} from './harness.ts';

const SYMBOLS = ['BTCUSDC', 'ETHUSDC'] as const;
const REWOUND =
  'candles missing behind the indicator state: enriched, and the points after them enriched again';

/** The rewind counters of this process, by their labels' values joined with `/`. */
const rewindCounts = async (): Promise<Map<string, number>> => {
  const m = metrics();
  const counts = new Map<string, number>();
  for (const counter of [m.rewinds, m.rewoundPoints]) {
    const { name, values } = await counter.get();
    for (const v of values) counts.set(`${name}/${Object.values(v.labels).join('/')}`, v.value);
  }
  return counts;
};

describe('a hole repaired behind the enriched series (real Kafka and InfluxDB)', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
  });
  after(() => dropRun(run).catch(() => undefined));

  it('enriches the hole, rewrites every point and snapshot after it: then as if it had never been missing, across a restart', async () => {
    const weeks = SYMBOLS.map((s) => fifteenMinuteWeek(s));
    // Candles 300–339 of each symbol come late, as a producer's repair publishes them.
    const hole = weeks.flatMap((w) => w.slice(300, 340));
    await publishCandles(
      run,
      '15m',
      weeks.flatMap((w) => [...w.slice(0, 300), ...w.slice(340, 600)]),
    );
    const config = { ...consumerConfig(run, '15m'), snapshotEvery: 60 };
    const { log, records } = capturingLog('info');
    const countsBefore = await rewindCounts();
    const first = await startConsumer(config, log);
    try {
      await waitFor(
        'the series without the hole enriched',
        async () => (await countStored(run, '15m', 'enriched')) === 2 * 560,
      );
      const beforeRepair = await storedPoints(run, 'BTCUSDC', '15m', 'enriched');
      const uninterrupted = expectedPoints(weeks[0]!.slice(0, 600)).enriched.map(asRow);
      assert.notDeepEqual(
        beforeRepair.find((p) => p.time === weeks[0]![340]!.openTime),
        uninterrupted[340],
        'the hole changed the values after it',
      );
      await publishCandles(run, '15m', hole);
      await waitFor('the hole enriched', async () => (await countStored(run, '15m', 'enriched')) === 2 * 600);
      await waitFor('the topic committed', async () => (await groupLag(run, '15m')) === 0);
    } finally {
      await first.stop();
    }
    const rewound = records.filter((r) => r['msg'] === REWOUND);
    assert.deepEqual(new Set(rewound.map((r) => r['symbol'])), new Set(SYMBOLS));
    assert.equal(
      rewound.reduce((n, r) => n + Number(r['filled']), 0),
      hole.length,
    );
    const counts = await rewindCounts();
    const added = (key: string) => (counts.get(key) ?? 0) - (countsBefore.get(key) ?? 0);
    assert.equal(
      added('cryptostream_rewinds_total/15m/rewound'),
      rewound.length,
      'a rewind counted per log line',
    );
    assert.equal(added('cryptostream_rewinds_total/15m/raw-only'), 0);
    assert.equal(added('cryptostream_rewound_points_total/15m/filled'), hole.length);
    assert.equal(
      added('cryptostream_rewound_points_total/15m/rewritten'),
      rewound.reduce((n, r) => n + Number(r['rewritten']), 0),
    );
    assert.ok(
      added('cryptostream_rewound_points_total/15m/rewritten') > 0,
      'the points after the hole rewritten',
    );

    // A new consumer continues from the stored snapshots: they were rewritten too.
    const second = await startConsumer(config, log);
    try {
      await publishCandles(
        run,
        '15m',
        weeks.flatMap((w) => w.slice(600)),
      );
      await waitFor(
        'the rest of the week enriched',
        async () => (await countStored(run, '15m', 'enriched')) === 2 * 672,
      );
    } finally {
      await second.stop();
    }
    for (const [i, symbol] of SYMBOLS.entries()) {
      const expected = expectedPoints(weeks[i]!);
      assert.deepEqual(
        await storedPoints(run, symbol, '15m', 'raw'),
        expected.raw.map(asRow),
        `${symbol} raw`,
      );
      assert.deepEqual(
        await storedPoints(run, symbol, '15m', 'enriched'),
        expected.enriched.map(asRow),
        `${symbol} enriched`,
      );
    }
  });

  it('end to end: a live producer repairs the hole it finds in the raw bucket, the consumer enriches it and rewrites what follows', async () => {
    const S = 1000;
    // The test server replays recorded candles as 1s candles from 120 s ago; the consumer stored the first
    // 100 s without 30 s in the middle (lost, as far as the topic can tell).
    const epoch = Math.floor(Date.now() / S) * S - 120 * S;
    const binance = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
    const live = await newRun();
    const served = (symbol: string): MarketCandle[] =>
      binance.candles(symbol, '1s').map((c) => ({ ...c, symbol, interval: '1s' as const }));
    const inHole = (t: number) => t >= epoch + 30 * S && t < epoch + 60 * S;
    try {
      await publishCandles(
        live,
        '1s',
        SYMBOLS.flatMap((s) =>
          served(s).filter((c) => c.openTime >= epoch && c.openTime < epoch + 100 * S && !inHole(c.openTime)),
        ),
      );
      const { log, records } = capturingLog('info');
      const consumer = await startConsumer({ ...consumerConfig(live, '1s'), snapshotEvery: 20 }, log);
      try {
        await waitFor(
          'the first 100 s without the hole enriched',
          async () => (await countStored(live, '1s', 'enriched')) === 2 * 70,
        );
        const stop = new AbortController();
        const producing = runProducer(
          {
            symbols: SYMBOLS,
            intervals: ['1s'],
            brokers: live.endpoints.kafka.brokers,
            topicPrefix: live.prefix,
            binanceUrl: binance.url,
            from: epoch,
            fromExplicit: true,
            timeoutMs: 2000,
            partitions: 3,
            influx: { target: live.endpoints.influx, bucketRaw: live.raw },
          },
          quietLog(),
          stop.signal,
        );
        await new Promise((r) => setTimeout(r, 6000));
        stop.abort();
        await producing;
        await waitFor('the topic committed', async () => (await groupLag(live, '1s')) === 0);
      } finally {
        await consumer.stop();
      }
      assert.deepEqual(
        new Set(records.filter((r) => r['msg'] === REWOUND).map((r) => r['symbol'])),
        new Set(SYMBOLS),
      );
      for (const symbol of SYMBOLS) {
        const raw = await storedPoints(live, symbol, '1s', 'raw');
        const newest = raw.at(-1)!.time;
        assert.ok(newest > epoch + 115 * S, `${symbol}: followed live after the repair`);
        const candles = served(symbol).filter((c) => c.openTime >= epoch && c.openTime <= newest);
        const expected = expectedPoints(candles);
        assert.deepEqual(raw, expected.raw.map(asRow), `${symbol} raw: every second, no hole`);
        assert.deepEqual(
          await storedPoints(live, symbol, '1s', 'enriched'),
          expected.enriched.map(asRow),
          `${symbol} enriched: as a run that never lacked the hole`,
        );
      }
    } finally {
      await binance.close();
      await dropRun(live).catch(() => undefined);
    }
  });
});
