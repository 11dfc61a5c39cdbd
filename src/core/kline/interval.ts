/** Binance kline intervals (`rest-api.md`, ENUM `interval`), with their length in milliseconds. */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const intervalMs = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
} as const;

/**
 * A Binance interval this pipeline handles. `1M` (calendar month) is a Binance interval too, but its
 * length varies, so it is not a fixed-step interval and is not offered.
 */
export type Interval = keyof typeof intervalMs;

export const intervals = Object.keys(intervalMs) as Interval[];

export const isInterval = (s: string): s is Interval => Object.hasOwn(intervalMs, s);

/**
 * The open time of the bucket of `interval` that contains `time` (ms). Buckets align to UTC epoch
 * multiples; weeks open on Monday 00:00 UTC, and the epoch (1970-01-01) was a Thursday.
 */
export const bucketStart = (interval: Interval, time: number): number => {
  const step = intervalMs[interval];
  const offset = interval === '1w' ? 4 * DAY : 0;
  return Math.floor((time - offset) / step) * step + offset;
};
