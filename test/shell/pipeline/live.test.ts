import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runProducer, type ProducerConfig } from '../../../src/shell/producer/producer.ts';
import {
  startBinanceServer,
  type BinanceServer,
  type BinanceServerOptions,
} from '../../support/binanceServer.ts';
import { dropRun, newRun, quietLog, SYMBOLS, topicRecords, type Run } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the producer live (no end) for `ms`, then stops it as SIGTERM would. */
const runLiveFor = async (config: ProducerConfig, ms: number): Promise<void> => {
  const stop = new AbortController();
  const counts = runProducer(config, quietLog(), stop.signal);
  await sleep(ms);
  stop.abort();
  await counts;
};

type Live = {
  readonly binance: BinanceServer;
  readonly run: Run;
  readonly config: ProducerConfig;
  readonly epoch: number;
};

/**
 * A Binance test server that replays recorded candles as 1s candles of its own clock (from 10 s before
 * its now: the producer backfills those over REST, then follows the streams), and a fresh run on the
 * real Kafka.
 */
const openLive = async (options: BinanceServerOptions = {}): Promise<Live> => {
  const offset = options.clockOffsetMs ?? 0;
  const epoch = Math.floor((Date.now() + offset) / 1000) * 1000 - 10_000;
  const binance = await startBinanceServer({ ...options, live: { interval: '1s', source: '15m', epoch } });
  const run = await newRun();
  opened.push({ binance, run });
  const config: ProducerConfig = {
    symbols: SYMBOLS,
    intervals: ['1s'],
    brokers: run.endpoints.kafka.brokers,
    topicPrefix: run.prefix,
    binanceUrl: binance.url,
    from: epoch,
    fromExplicit: true,
    timeoutMs: 2000,
    partitions: 3,
  };
  return { binance, run, config, epoch };
};
const opened: { binance: BinanceServer; run: Run }[] = [];

/**
 * Every second from the epoch to the newest published candle is in the topic exactly once, with the final
 * values Binance serves for it, published after it closed by Binance's clock; the newest is recent.
 */
const assertEveryCandleOnceAndFinal = async ({ binance, run, epoch }: Live, stoppedAt: number) => {
  const offset = binance.serverNow() - Date.now();
  const records = await topicRecords(run, '1s');
  assert.ok(
    records.every((r) => r.candle !== undefined),
    'every record decodes',
  );
  for (const symbol of SYMBOLS) {
    const published = records.filter((r) => r.key === symbol);
    const times = published.map((r) => r.candle!.openTime).sort((a, b) => a - b);
    assert.equal(new Set(times).size, times.length, `${symbol}: a candle published twice`);
    const newest = times.at(-1)!;
    assert.deepEqual(
      times,
      Array.from({ length: (newest - epoch) / 1000 + 1 }, (_, i) => epoch + i * 1000),
      `${symbol}: every second from the start to the newest, no gap`,
    );
    const stoppedAtServer = stoppedAt + offset;
    assert.ok(
      newest + 999 >= stoppedAtServer - 4000,
      `${symbol}: newest candle ${stoppedAtServer - newest} ms old`,
    );
    const served = new Map(binance.candles(symbol, '1s').map((c) => [c.openTime, c]));
    for (const r of published) {
      const { symbol: _s, interval: _i, ...candle } = r.candle!;
      assert.ok(
        r.publishedAt + offset > candle.closeTime,
        `${symbol}: the candle of ${candle.openTime} was published ${candle.closeTime - r.publishedAt - offset} ms before it closed`,
      );
      assert.deepEqual(
        candle,
        served.get(candle.openTime),
        `${symbol} ${candle.openTime}: not the final values`,
      );
    }
  }
};

describe('live 1s candles from the WebSocket kline streams (real Kafka; the Binance test server replays recorded candles as 1s candles of its clock)', () => {
  after(async () => {
    for (const { binance, run } of opened) {
      await binance.close();
      await dropRun(run).catch(() => undefined);
    }
  });

  it('with the host clock 5 s ahead of Binance: one connection for every stream, each candle published once on its closing event, final values only', async () => {
    const live = await openLive({ clockOffsetMs: -5000, pingIntervalMs: 1000, pongTimeoutMs: 2500 });
    const started = Date.now();
    await runLiveFor(live.config, 9000);
    const stoppedAt = Date.now();
    await assertEveryCandleOnceAndFinal(live, stoppedAt);
    const { binance } = live;
    assert.equal(binance.connections.length, 1, 'one connection, never replaced: pings are answered');
    assert.deepEqual(
      [...binance.connections[0]!.streams].sort(),
      SYMBOLS.map((s) => `${s.toLowerCase()}@kline_1s`).sort(),
    );
    assert.ok(binance.pongs() >= 5, `${binance.pongs()} pongs`);
    // Live candles come from the stream: once caught up, no kline request at all.
    const lateRequests = binance.requests.filter(
      (r) => r.time - binance.serverNow() + Date.now() > started + 5000,
    );
    assert.deepEqual(
      lateRequests.map((r) => `${r.symbol} ${r.startTime}`),
      [],
      'REST asked for live candles the stream delivered',
    );
  });

  it('a closing event that arrives late: REST publishes the candle after the grace period, the late event changes nothing', async () => {
    const live = await openLive({ closingEventDelayMs: 3500 });
    await runLiveFor(live.config, 9000);
    await assertEveryCandleOnceAndFinal(live, Date.now());
  });

  it('a connection dropped mid-candle: the producer reconnects and REST fills the gap', async () => {
    const live = await openLive();
    const running = runLiveFor(live.config, 10_000);
    await sleep(4500);
    live.binance.dropConnections();
    await running;
    await assertEveryCandleOnceAndFinal(live, Date.now());
    assert.ok(live.binance.connections.length >= 2, 'reconnected');
    assert.equal(live.binance.connections[0]!.end?.by, 'dropped');
  });

  it('the 24 h cut (simulated at 3 s): each cut connection is replaced and nothing is missed; the producer renews its own before the cut', async () => {
    const cut = await openLive({ connectionLifetimeMs: 3000 });
    await runLiveFor(cut.config, 10_000);
    await assertEveryCandleOnceAndFinal(cut, Date.now());
    assert.ok(cut.binance.connections.length >= 3, `${cut.binance.connections.length} connections`);
    assert.ok(cut.binance.connections.some((c) => c.end?.by === 'lifetime'));

    const renewed = await openLive({ connectionLifetimeMs: 4000 });
    await runLiveFor({ ...renewed.config, streamRenewAfterMs: 2500 }, 10_000);
    await assertEveryCandleOnceAndFinal(renewed, Date.now());
    const ends = renewed.binance.connections.map((c) => c.end?.by);
    assert.ok(ends.length >= 3, `${ends.length} connections`);
    assert.ok(
      ends.slice(0, -1).every((by) => by === 'client'),
      `the producer replaced each connection before the cut: ${ends.join(', ')}`,
    );
  });

  it('after downtime and 5xx answers the gap is repaired from where the topic left off', async () => {
    const live = await openLive();
    await runLiveFor(live.config, 5000);
    await sleep(4000); // downtime: 4 candles per symbol close while no producer runs
    // The restarted producer resumes from the topic (no --from), through three 500 answers.
    live.binance.fail({ kind: 'server-error' }, 3);
    await runLiveFor({ ...live.config, fromExplicit: false }, 6000);
    await assertEveryCandleOnceAndFinal(live, Date.now());
    assert.equal(
      live.binance.requests.filter((r) => r.status === 500).length,
      3,
      'the three 500 answers were met and retried',
    );
  });
});
