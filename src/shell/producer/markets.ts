import { alignCursor } from '../../core/binance/page.ts';
import type { Market, Settled } from '../../core/binance/live.ts';
import { liveStart, type Gap } from '../../core/binance/repair.ts';
import type { Interval } from '../../core/kline/interval.ts';
import { publishingPartitions, type SymbolPartitions } from '../../core/kline/partitions.ts';
import type { Kafka } from 'kafkajs';
import { lastPublished, withAdmin, type KafkaOptions } from '../kafka/client.ts';
import { createMissingTopics, dlqTopicOf, intervalTopics, topicOf } from '../kafka/topics.ts';
import type { Logger } from '../observability/logger.ts';

/** Per symbol and interval: closed candles received, published, and rows rejected (sent to the dead-letter topic). */
export type SymbolCounts = { fetched: number; published: number; rejected: number };

/** A market as the producer follows it: where it publishes, the next open time to publish, its REST pacing. */
export type MarketState = Market & {
  readonly topic: string;
  readonly dlqTopic: string;
  readonly partition: number;
  /** The next open time to publish: every earlier candle is published. */
  cursor: number;
  /** When (local ms) to ask REST again. */
  dueAt: number;
  /** Consecutive failures, for the backoff. */
  attempt: number;
  done: boolean;
  /** Closing stream events at or after the cursor, waiting for the candles before them. */
  readonly pending: Map<number, Settled>;
  readonly counts: SymbolCounts;
  /** `counts.rejected` by the field at fault (`faultField` of src/core/points/pipeline.ts), for the reports. */
  readonly rejectedBy: Map<string, number>;
  /** Ranges the exchange lacks, reported once each (see `noteMissing`). */
  gaps: readonly Gap[];
};

/** Where each interval's backfill starts (ms): one time for all, or one per interval. */
export type BackfillFrom = number | Readonly<Partial<Record<Interval, number>>>;

export const backfillStart = (from: BackfillFrom, interval: Interval): number => {
  const start = typeof from === 'number' ? from : from[interval];
  if (start === undefined) throw new Error(`no backfill start for ${interval}`);
  return alignCursor(interval, start);
};

export type MarketsConfig = KafkaOptions & {
  readonly symbols: readonly string[];
  readonly intervals: readonly Interval[];
  readonly from: BackfillFrom;
  readonly fromExplicit: boolean;
  readonly to?: number;
  readonly symbolPartitions?: SymbolPartitions;
};

/** The newest open time stored in the raw bucket, by interval and symbol. */
export type StoredNewest = ReadonlyMap<Interval, ReadonlyMap<string, number>>;

/**
 * Creates each interval's topics if missing, finds each symbol's partition and where each market starts:
 * a bounded run (`to`) at `from`; a live run after the newest candle in the topic when that is later than
 * `from` (or when `from` was not given), so restarts neither skip nor repeat; and, when the stored series
 * (`stored`) ends before that, right after it (`liveStart`), so nothing in between is left empty.
 */
export const openMarkets = async (
  kafka: Kafka,
  config: MarketsConfig,
  log: Logger,
  now: number,
  stored: StoredNewest = new Map(),
): Promise<MarketState[]> => {
  const markets: MarketState[] = [];
  for (const interval of config.intervals) {
    const topic = topicOf(config.topicPrefix, interval);
    const partitionOf = await topicPartitions(kafka, config, interval, log);
    const last =
      config.to === undefined ? await lastPublished(kafka, topic, config.symbols) : new Map<string, number>();
    const from = backfillStart(config.from, interval);
    for (const symbol of config.symbols) {
      const resume = last.get(symbol);
      const storedNewest = config.to === undefined ? stored.get(interval)?.get(symbol) : undefined;
      const cursor = liveStart({
        interval,
        from,
        fromExplicit: config.fromExplicit,
        ...(resume === undefined ? {} : { topicNewest: resume }),
        ...(storedNewest === undefined ? {} : { storedNewest }),
      });
      markets.push({
        symbol,
        interval,
        topic,
        dlqTopic: dlqTopicOf(topic),
        partition: partitionOf[symbol]!,
        cursor,
        dueAt: now,
        attempt: 0,
        done: false,
        pending: new Map(),
        counts: { fetched: 0, published: 0, rejected: 0 },
        rejectedBy: new Map(),
        gaps: [],
      });
      log.info(
        {
          symbol,
          interval,
          topic,
          cursor: new Date(cursor).toISOString(),
          ...(resume === undefined ? {} : { topicNewest: new Date(resume).toISOString() }),
          ...(storedNewest === undefined ? {} : { storedNewest: new Date(storedNewest).toISOString() }),
        },
        'start',
      );
    }
  }
  return markets;
};

const topicPartitions = async (
  kafka: Kafka,
  config: MarketsConfig,
  interval: Interval,
  log: Logger,
): Promise<SymbolPartitions> => {
  return withAdmin(kafka, async (admin) => {
    const { data, dlq } = intervalTopics(config, interval);
    await createMissingTopics(admin, [data, dlq], log);
    const metadata = await admin.fetchTopicMetadata({ topics: [data.topic] });
    const partitions = publishingPartitions(
      config.symbols,
      config.symbolPartitions,
      metadata.topics[0]?.partitions.length ?? 0,
    );
    if (!partitions.ok) throw new Error(`topic ${data.topic}: ${partitions.error}`);
    log.info({ topic: data.topic, partitions: partitions.value }, "each symbol's partition");
    return partitions.value;
  });
};

/** The counts of every market, by interval then symbol. */
export const countsOf = (markets: readonly MarketState[]): Map<Interval, Map<string, SymbolCounts>> => {
  const counts = new Map<Interval, Map<string, SymbolCounts>>();
  for (const m of markets) {
    const bySymbol = counts.get(m.interval) ?? new Map<string, SymbolCounts>();
    bySymbol.set(m.symbol, m.counts);
    counts.set(m.interval, bySymbol);
  }
  return counts;
};
