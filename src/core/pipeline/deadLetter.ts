import type { RejectedRow } from '../binance/response.ts';
import type { Interval } from '../kline/interval.ts';
import type { Problem } from '../kline/rejection.ts';
import type { DeadLetter } from './batch.ts';

/**
 * A record of `<topic>-dlq`: what was rejected, as it came, with headers naming why (`error-reason`,
 * `error-field`) and where it came from.
 */
export type DeadLetterRecord = {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
};

const why = (p: Problem) => ({ 'error-reason': p.reason, 'error-field': p.field ?? '' });

/** A Kafka record the consumer rejected: key and value as received, its topic, partition and offset. */
export const consumedDeadLetter = (d: DeadLetter): DeadLetterRecord => ({
  key: d.message.key,
  value: d.message.value,
  headers: {
    ...why(d.problem),
    'original-topic': d.message.topic,
    'original-partition': String(d.message.partition),
    'original-offset': d.message.offset,
  },
});

/**
 * A kline row the exchange served that is not a valid candle (the producer's): key = symbol, value = the
 * row as JSON, headers naming the source (the exchange host), symbol, interval and the row's open time.
 */
export const fetchedDeadLetter = (
  rejected: RejectedRow,
  market: { readonly symbol: string; readonly interval: Interval },
  source: string,
): DeadLetterRecord => ({
  key: market.symbol,
  value: rejected.row,
  headers: {
    ...why(rejected.problem),
    source,
    symbol: market.symbol,
    interval: market.interval,
    'open-time': String(rejected.openTime),
  },
});
