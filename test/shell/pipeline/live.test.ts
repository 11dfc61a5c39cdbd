import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runProducer, type ProducerConfig, type SymbolCounts } from '../../../src/shell/producer/producer.ts';
import { startBinanceServer, type BinanceServer } from '../../support/binanceServer.ts';
import { dropRun, newRun, quietLog, SYMBOLS, topicRecords, type Run } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the producer live (no end) for `ms`, then stops it as SIGTERM would. */
const runLiveFor = async (config: ProducerConfig, ms: number): Promise<Map<string, SymbolCounts>> => {
  const stop = new AbortController();
  const counts = runProducer(config, quietLog(), stop.signal);
  await sleep(ms);
  stop.abort();
  return counts;
};

describe('live 1s candles (real Kafka; the Binance test server replays recorded candles as 1s candles of now)', () => {
  let binance: BinanceServer;
  let run: Run;
  // 20 s of history before the producer starts: it backfills them, then follows the live edge.
  const epoch = Math.floor(Date.now() / 1000) * 1000 - 20_000;
  before(async () => {
    binance = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
    run = await newRun();
  });
  after(async () => {
    await binance.close();
    await dropRun(run).catch(() => undefined);
  });

  it('publishes each closed candle once and keeps up; after downtime and 5xx answers the gap is repaired', async () => {
    const config: ProducerConfig = {
      symbols: SYMBOLS,
      interval: '1s',
      brokers: run.endpoints.kafka.brokers,
      topicPrefix: run.prefix,
      binanceUrl: binance.url,
      from: epoch,
      fromExplicit: true,
      timeoutMs: 2000,
      partitions: 3,
    };
    await runLiveFor(config, 6000);
    await sleep(4000); // downtime: 4 candles per symbol close while no producer runs
    // The restarted producer resumes from the topic (no --from), through three 500 answers.
    binance.fail({ kind: 'server-error' }, 3);
    await runLiveFor({ ...config, fromExplicit: false }, 6000);
    const stoppedAt = Date.now();

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
      // Keeping up: the newest published candle closed within a few seconds of the stop.
      assert.ok(newest + 999 >= stoppedAt - 5000, `${symbol}: newest candle ${stoppedAt - newest} ms old`);
      for (const r of published) {
        assert.ok(r.publishedAt > r.candle!.closeTime, `${symbol}: a candle published before it closed`);
        const served = binance.candles(symbol, '1s').find((c) => c.openTime === r.candle!.openTime);
        assert.deepEqual(
          { ...r.candle, symbol: undefined, interval: undefined },
          {
            ...served,
            symbol: undefined,
            interval: undefined,
          },
        );
      }
    }
    assert.equal(
      binance.requests.filter((r) => r.status === 500).length,
      3,
      'the three 500 answers were met and retried',
    );
  });
});
