import type { Producer } from 'kafkajs';
import type { Settled } from '../../core/binance/live.ts';
import { settledRecords } from '../../core/pipeline/produce.ts';
import { faultField } from '../../core/points/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import type { MarketState } from './markets.ts';

export type Publish = (
  market: MarketState,
  settled: readonly Settled[],
  via: 'rest' | 'stream',
) => Promise<boolean>;

/**
 * Publishes a market's settled candles to its partition and its bad rows to the dead-letter topic, in one
 * request: together or not at all. Returns false when the send failed; the caller sends them again
 * later, so records a failed send did append are then duplicated (counted in
 * `cryptostream_kafka_resent_records_total`; the consumers store each candle once).
 */
export const publisher = (producer: Producer, source: string, log: Logger): Publish => {
  const m = metrics();
  const failed = new Map<string, number>();
  return async (market, settled, via) => {
    if (settled.length === 0) return true;
    const { symbol, interval } = market;
    // The pure part: the candle records and dead letters of the entries (src/core/pipeline/produce.ts).
    const records = settledRecords(market, source)(settled);
    const deadLetters = records.rejected;
    const key = `${symbol}@${interval}`;
    const resending = failed.get(key);
    if (resending !== undefined) m.resent.inc({ interval }, Math.min(resending, settled.length));
    try {
      await producer.sendBatch({
        topicMessages: [
          {
            topic: market.topic,
            messages: records.candles.map((msg) => ({
              key: msg.key,
              value: msg.value,
              headers: { ...msg.headers },
              partition: market.partition,
            })),
          },
          {
            topic: market.dlqTopic,
            messages: records.deadLetters.map((d) => ({
              key: d.key,
              value: d.value,
              headers: { ...d.headers },
            })),
          },
        ].filter((t) => t.messages.length > 0),
      });
    } catch (e) {
      failed.set(key, settled.length);
      log.error(
        { symbol, interval, topic: market.topic, via, err: e },
        'publishing failed; sending again after a backoff (records it did append may be duplicated)',
      );
      return false;
    }
    failed.delete(key);
    const published = records.candles.length;
    market.counts.fetched += published;
    market.counts.published += published;
    m.fetched.inc({ symbol, interval }, published);
    m.published.inc({ symbol, interval }, published);
    for (const r of deadLetters) {
      market.counts.rejected += 1;
      const field = faultField(r.problem.field);
      market.rejectedBy.set(field, (market.rejectedBy.get(field) ?? 0) + 1);
      m.rejectedKlines.inc({ interval, field: r.problem.field ?? '' });
      log.warn(
        {
          symbol,
          interval,
          via,
          openTime: new Date(r.openTime).toISOString(),
          field: r.problem.field,
          reason: r.problem.reason,
          row: r.row,
          topic: market.dlqTopic,
        },
        'invalid kline from Binance sent to the dead-letter topic; the valid candles are published',
      );
    }
    return true;
  };
};
