/**
 * Scaling that adds throughput, on the real Kafka and InfluxDB: the producer puts each symbol on a partition
 * of its own, so a consumer group scaled to one replica per symbol gives every replica candles; scaled back
 * down, the remaining replicas take the partitions over, and every candle is stored exactly once and
 * enriched exactly as an uninterrupted run of the core.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startConsumer, type ConsumerHandle } from '../../../src/shell/consumer/consumer.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import {
  assertStoredExactly,
  binanceAndRun,
  consumerConfig,
  countStored,
  groupLag,
  producerConfig,
  quietLog,
  RANGES,
  stableMembers,
  SYMBOLS,
  waitFor,
} from './harness.ts';

const DAY = 86_400_000;
const PER_DAY = 96;

describe('a consumer group scaled between one replica and one per symbol', () => {
  const f = binanceAndRun();

  it('gives every replica candles at full scale, and stores every candle exactly after scaling down', async () => {
    const { run, binance } = f;
    const { from } = RANGES['15m'];
    const partitions = SYMBOLS.length;
    const produce = (fromDay: number, toDay: number) =>
      runProducer(
        {
          ...producerConfig(run, binance, '15m'),
          partitions,
          from: from + fromDay * DAY,
          to: from + toDay * DAY,
        },
        quietLog(),
        new AbortController().signal,
      );
    const drained = async (days: number) => {
      const candles = SYMBOLS.length * days * PER_DAY;
      await waitFor(
        `${candles} candles enriched`,
        async () => (await countStored(run, '15m', 'enriched')) >= candles,
      );
      await waitFor('the topic committed', async () => (await groupLag(run, '15m')) === 0);
    };
    const consumed = (c: ConsumerHandle) => new Map([...c.counts].map(([s, n]) => [s, n.consumed]));
    const config = { ...consumerConfig(run, '15m'), partitions };
    const members = (n: number) =>
      waitFor(`${n} replicas in the group`, async () => (await stableMembers(run, '15m')) === n);

    const replicas = [await startConsumer(config, quietLog())];
    try {
      await produce(0, 2);
      await drained(2);

      for (let i = 1; i < SYMBOLS.length; i++) replicas.push(await startConsumer(config, quietLog()));
      await members(SYMBOLS.length);
      const before = replicas.map(consumed);
      await produce(2, 5);
      await drained(5);
      const got = replicas.map((r, i) =>
        SYMBOLS.filter((s) => (consumed(r).get(s) ?? 0) > (before[i]!.get(s) ?? 0)),
      );
      assert.deepEqual(
        got.map((symbols) => symbols.length),
        SYMBOLS.map(() => 1),
        `each of the ${SYMBOLS.length} replicas received the candles of exactly one symbol: ${JSON.stringify(got)}`,
      );
      assert.deepEqual(got.flat().sort(), [...SYMBOLS].sort(), 'and every symbol went to one replica');

      for (const r of replicas.splice(2)) await r.stop();
      await members(2);
      await produce(5, 7);
      await drained(7);
    } finally {
      for (const r of replicas) await r.stop();
    }
    await assertStoredExactly(run, binance, '15m');
  });
});
