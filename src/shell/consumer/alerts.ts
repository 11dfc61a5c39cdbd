import type { Producer } from 'kafkajs';
import {
  alertLine,
  alertLookback,
  alertMessage,
  alertSources,
  encodeAlert,
  evaluateAll,
  restoreAlertState,
  rulesOf,
  type Alert,
  type AlertRule,
  type AlertState,
  type EnrichedCandle,
} from '../../core/alerts/index.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import { collect, fluxString, type CallOptions, type InfluxTarget } from '../influx/influx.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * What a batch's alerts are: the alerts its enriched candles fired, and the state of its symbols' rules
 * once they are sent (the state of no other symbol: batches of other partitions are evaluated and
 * committed meanwhile, in any order).
 */
export type BatchAlerts = {
  readonly alerts: readonly Alert[];
  readonly symbols: readonly string[];
  readonly state: AlertState;
};

export type ConsumerAlerts = {
  /**
   * Evaluates a batch's newly enriched candles (in open-time order per symbol). A symbol this member has
   * not evaluated since it got its partitions is first given the state its stored candles imply, so a
   * restart or a takeover neither fires a crossing again nor misses one.
   */
  readonly evaluate: (enriched: readonly EnrichedCandle[], o: CallOptions) => Promise<BatchAlerts>;
  /** Publishes the alerts (before their candles' points are written: a stored candle's alerts were sent). */
  readonly publish: (alerts: readonly Alert[]) => Promise<void>;
  /** The alerts' InfluxDB lines (the `alert` measurement, written with the enriched points). */
  readonly lines: (alerts: readonly Alert[]) => string[];
  /** The batch is stored and committed: its symbols go on from its state. */
  readonly commit: (batch: BatchAlerts) => void;
  /** New partitions: every symbol's state is rebuilt from what is stored before its next candle. */
  readonly forget: () => void;
};

/**
 * The threshold alerts of one interval's consumer (src/core/alerts: once per crossing, from the candles
 * alone), published to the alerts topic, written as `alert` points and logged.
 */
export const consumerAlerts = (
  rules: readonly AlertRule[],
  interval: Interval,
  topic: string,
  producer: Producer,
  storage: { readonly influx: InfluxTarget; readonly bucketEnriched: string },
  log: Logger,
): ConsumerAlerts => {
  let state: AlertState = {};
  const current = new Set<string>();
  const restore = async (symbol: string, before: number, o: CallOptions): Promise<AlertState> => {
    const mine = rulesOf(rules, { symbol, interval });
    const stored = await storedCandles(storage, interval, symbol, before, mine, o);
    return restoreAlertState(mine, stored);
  };
  return {
    evaluate: async (enriched, o) => {
      if (rules.length === 0 || enriched.length === 0) return { alerts: [], symbols: [], state: {} };
      let from = state;
      const firsts = new Map<string, number>();
      for (const c of enriched)
        if (!current.has(c.symbol) && !firsts.has(c.symbol)) firsts.set(c.symbol, c.openTime);
      for (const [symbol, first] of firsts)
        if (rulesOf(rules, { symbol, interval }).length > 0)
          from = { ...symbolsWhere(from, (s) => s !== symbol), ...(await restore(symbol, first, o)) };
      const { alerts, state: after } = evaluateAll(rules, from, enriched);
      const symbols = new Set(enriched.map((c) => c.symbol));
      return { alerts, symbols: [...symbols], state: symbolsWhere(after, (s) => symbols.has(s)) };
    },
    publish: async (alerts) => {
      if (alerts.length === 0) return;
      await producer.send({ topic, messages: alerts.map((a) => ({ ...encodeAlert(a) })) });
    },
    lines: (alerts) => alerts.map(alertLine),
    commit: (batch) => {
      // Only the batch's symbols: a batch of another partition evaluated from the same state may have
      // been committed since (taking the batch's whole state lost that one's, and fired its alerts again).
      const symbols = new Set(batch.symbols);
      state = { ...symbolsWhere(state, (s) => !symbols.has(s)), ...batch.state };
      for (const a of batch.alerts)
        log.info({ alert: a.id, symbol: a.symbol, interval, rule: a.rule, topic }, alertMessage(a));
      for (const symbol of symbols) current.add(symbol);
    },
    forget: () => current.clear(),
  };
};

/** The state of the symbols `keep` says yes to (a state key names rule, symbol and interval: `stateKey`). */
const symbolsWhere = (state: AlertState, keep: (symbol: string) => boolean): AlertState =>
  Object.fromEntries(Object.entries(state).filter(([key]) => keep(key.split(':')[1]!)));

/** The newest stored enriched candles of a symbol before `before`, as many as its rules need. */
const storedCandles = async (
  storage: { readonly influx: InfluxTarget; readonly bucketEnriched: string },
  interval: Interval,
  symbol: string,
  before: number,
  rules: readonly AlertRule[],
  o: CallOptions,
): Promise<EnrichedCandle[]> => {
  const n = alertLookback(rules);
  if (n === 0) return [];
  const fields = [...new Set(['close', 'volume', ...alertSources(rules)])];
  const start = before - (4 * n + 10) * intervalMs[interval];
  const rows = await collect(
    storage.influx,
    `from(bucket: ${fluxString(storage.bucketEnriched)})
      |> range(start: ${new Date(start).toISOString()}, stop: ${new Date(before).toISOString()})
      |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == "enriched" and r.coin == ${fluxString(symbol)})
      |> filter(fn: (r) => ${fields.map((f) => `r._field == ${fluxString(f)}`).join(' or ')})
      |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
      |> sort(columns: ["_time"])
      |> tail(n: ${n})`,
    o,
  );
  return rows.map((row) => ({
    symbol,
    interval,
    openTime: Date.parse(String(row['_time'])),
    close: String(row['close']),
    volume: String(row['volume']),
    indicators: Object.fromEntries(
      fields
        .filter((f) => f !== 'close' && f !== 'volume' && typeof row[f] === 'number')
        .map((f) => [f, row[f] as number]),
    ),
  }));
};
