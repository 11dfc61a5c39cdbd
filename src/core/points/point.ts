import type { MarketCandle } from '../kline/candle.ts';

/**
 * An InfluxDB point, as plain data. Identity = measurement + tag set + time, so the same candle always
 * maps to the same point and rewriting it is an idempotent upsert.
 */
export type FieldValue =
  { readonly type: 'float'; readonly value: number } | { readonly type: 'integer'; readonly value: number };

export type Point = {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Epoch milliseconds: the candle's open time. */
  readonly time: number;
};

/** `derived`: a coarser candle the consumer aggregated from finer ones (stored next to the raw points). */
export type PointKind = 'raw' | 'enriched' | 'derived';

/** Names kept from the original project so its dashboards and queries still work. */
export const MEASUREMENT = 'kline';

const float = (value: number): FieldValue => ({ type: 'float', value });

const candleFields = (c: MarketCandle): Record<string, FieldValue> => ({
  open: float(Number(c.open)),
  high: float(Number(c.high)),
  low: float(Number(c.low)),
  close: float(Number(c.close)),
  volume: float(Number(c.volume)),
  trades: { type: 'integer', value: c.trades },
});

/** The tag set of a candle's points: its market and kind (the series of the point). */
export const tagsOf = (
  kind: PointKind,
  c: Pick<MarketCandle, 'symbol' | 'interval'>,
): Record<string, string> => ({
  coin: c.symbol,
  interval: c.interval,
  type: kind,
});

const pointOf = (kind: PointKind, c: MarketCandle, fields: Record<string, FieldValue>): Point => ({
  measurement: MEASUREMENT,
  tags: tagsOf(kind, c),
  fields,
  time: c.openTime,
});

export const rawPoint = (c: MarketCandle): Point => pointOf('raw', c, candleFields(c));

/** The candle's fields plus every indicator that has a value (absent ones are not written, never NaN). */
export const enrichedPoint = (c: MarketCandle, indicators: Readonly<Record<string, number>>): Point => {
  const fields = candleFields(c);
  for (const [name, value] of Object.entries(indicators))
    if (Number.isFinite(value)) fields[name] = float(value);
  return pointOf('enriched', c, fields);
};
