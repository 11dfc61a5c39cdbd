import { intervalMs, type Interval } from '../kline/interval.ts';
import { lastClosedOpenTime } from './page.ts';

/** The shortest default backfill, whatever the interval: the last 24 h. */
export const MIN_DEFAULT_BACKFILL_MS = 86_400_000;

/**
 * Where a producer starts without `--from`: far enough back that the newest `warmUp` closed candles of
 * the interval are fetched (so every indicator has a value by the newest one: `warmUpCandles`), and at
 * least the last 24 h. With the default indicators (34 candles) a 1d series starts 33 days before the
 * newest closed day, a 1h one 33 hours before the newest closed hour, a 15m one 24 h back.
 */
export const defaultBackfillFrom = (interval: Interval, warmUp: number, now: number): number =>
  Math.min(
    now - MIN_DEFAULT_BACKFILL_MS,
    lastClosedOpenTime(interval, now) - (Math.max(1, warmUp) - 1) * intervalMs[interval],
  );
