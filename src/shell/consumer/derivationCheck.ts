import type { MarketCandle } from '../../core/kline/candle.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import { candleKey, differingFields, type DerivationEvent } from '../../core/pipeline/derivation.ts';
import { fluxString, queryApi, type InfluxTarget } from '../influx/influx.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';

/**
 * Compares the candles a consumer derived with the exchange's own candles of the coarser interval, as the
 * consumer of that interval stored them in the raw bucket. A derived candle whose exchange candle is not
 * stored yet waits (checked again after each batch and every few seconds) for twice its interval, at least
 * two minutes, and then counts as unverified. Waiting candles live in memory: a restart forgets them.
 */
export type DerivationCheck = {
  /** Derived candles just stored, and what kept others from closing. */
  readonly add: (derived: readonly MarketCandle[], events: readonly DerivationEvent[]) => void;
  /** Compares every waiting candle whose exchange candle is stored now. */
  readonly verify: () => Promise<void>;
  readonly waiting: () => number;
  /** Derived candles compared so far, by outcome. */
  readonly outcomes: () => Readonly<Record<Outcome, number>>;
  /** Derived candles compared so far by interval: by outcome, and their mismatching fields (for the reports). */
  readonly counts: () => DerivationCounts;
  readonly stop: () => void;
};

export type Outcome = 'match' | 'mismatch' | 'unverified';

/** Totals since the check started, per derived interval (only intervals compared at least once). */
export type DerivationCounts = ReadonlyMap<
  Interval,
  { readonly outcomes: Readonly<Record<Outcome, number>>; readonly fields: Readonly<Record<string, number>> }
>;

const graceMs = (c: MarketCandle): number => Math.max(120_000, 2 * intervalMs[c.interval]);
const anyOf = (column: string, values: Iterable<string>): string =>
  `(${[...new Set(values)].map((v) => `r.${column} == ${fluxString(v)}`).join(' or ')})`;

/** The stored raw points of the exchange candles matching `candles` (same market and open time), by key. */
const storedExchangeCandles = async (
  target: InfluxTarget,
  bucket: string,
  candles: readonly MarketCandle[],
): Promise<Map<string, Record<string, unknown>>> => {
  const times = candles.map((c) => c.openTime);
  const api = queryApi(target);
  const rows = await api.collectRows<Record<string, unknown>>(`
    from(bucket: ${fluxString(bucket)})
      |> range(start: ${new Date(Math.min(...times)).toISOString()}, stop: ${new Date(Math.max(...times) + 1).toISOString()})
      |> filter(fn: (r) => r._measurement == "kline" and r.type == "raw"
          and ${anyOf(
            'interval',
            candles.map((c) => c.interval),
          )} and ${anyOf(
            'coin',
            candles.map((c) => c.symbol),
          )})
      |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`);
  return new Map(
    rows.map((row) => [
      candleKey({
        symbol: String(row['coin']),
        interval: row['interval'] as MarketCandle['interval'],
        openTime: Date.parse(String(row['_time'])),
      }),
      row,
    ]),
  );
};

export const derivationCheck = (target: InfluxTarget, bucketRaw: string, log: Logger): DerivationCheck => {
  const m = metrics();
  const waiting = new Map<string, { candle: MarketCandle; since: number }>();
  const outcomes: Record<Outcome, number> = { match: 0, mismatch: 0, unverified: 0 };
  const byInterval = new Map<
    Interval,
    { outcomes: Record<Outcome, number>; fields: Record<string, number> }
  >();
  const of = (interval: Interval) => {
    let c = byInterval.get(interval);
    if (c === undefined)
      byInterval.set(interval, (c = { outcomes: { match: 0, mismatch: 0, unverified: 0 }, fields: {} }));
    return c;
  };
  const count = (candle: MarketCandle, outcome: Outcome) => {
    outcomes[outcome] += 1;
    of(candle.interval).outcomes[outcome] += 1;
    m.derived.inc({ interval: candle.interval, outcome });
  };
  let running: Promise<void> | undefined;

  const compare = async (): Promise<void> => {
    const candles = [...waiting.values()].map((w) => w.candle);
    const stored = await storedExchangeCandles(target, bucketRaw, candles);
    const now = Date.now();
    for (const [key, { candle, since }] of waiting) {
      const exchange = stored.get(key);
      const at = { symbol: candle.symbol, interval: candle.interval, openTime: candle.openTime };
      if (exchange === undefined) {
        if (now - since < graceMs(candle)) continue;
        waiting.delete(key);
        count(candle, 'unverified');
        log.warn(at, 'derived candle not verified: the exchange candle was not stored in time');
        continue;
      }
      waiting.delete(key);
      const fields = differingFields(candle, exchange);
      count(candle, fields.length === 0 ? 'match' : 'mismatch');
      for (const field of fields) {
        const c = of(candle.interval).fields;
        c[field] = (c[field] ?? 0) + 1;
        m.derivedMismatchFields.inc({ interval: candle.interval, field });
      }
      if (fields.length > 0)
        log.warn(
          {
            ...at,
            fields,
            derived: candle,
            exchange: Object.fromEntries(fields.map((f) => [f, exchange[f]])),
          },
          'derived candle differs from the exchange candle',
        );
    }
  };

  const verify = (): Promise<void> => {
    if (waiting.size === 0) return Promise.resolve();
    running ??= compare()
      .catch((e: unknown) => log.warn({ err: e }, 'derivation check failed; it is tried again'))
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void verify(), 5000);
  timer.unref();

  return {
    add: (derived, events) => {
      const now = Date.now();
      for (const candle of derived) waiting.set(candleKey(candle), { candle, since: now });
      for (const { symbol, interval, event } of events) {
        m.derivationEvents.inc({ interval, kind: event.kind });
        log.warn({ symbol, interval, ...event }, `derivation: ${event.kind}`);
      }
    },
    verify,
    waiting: () => waiting.size,
    outcomes: () => ({ ...outcomes }),
    counts: () =>
      new Map([...byInterval].map(([i, c]) => [i, { outcomes: { ...c.outcomes }, fields: { ...c.fields } }])),
    stop: () => clearInterval(timer),
  };
};
