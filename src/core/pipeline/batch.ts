import type { Enricher } from '../indicators/index.ts';
import type { MarketCandle } from '../kline/candle.ts';
import type { Interval } from '../kline/interval.ts';
import { decodeCandle } from '../kline/message.ts';
import { problem, type Problem } from '../kline/rejection.ts';
import { candleSeries, enrichedLine, rawLine } from '../points/candleLines.ts';
import type { DerivationEvent, Deriver } from './derivation.ts';
import { snapshotLine, type SymbolState } from './snapshot.ts';

/** A Kafka record as the consumer received it (value and key as UTF-8 text). */
export type InMessage = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
};

export type DeadLetter = { readonly message: InMessage; readonly problem: Problem };

/** One candle that goes to InfluxDB, with whether it was enriched now or had been before. */
export type Stored = { readonly candle: MarketCandle; readonly enriched: boolean };

export type BatchResult = {
  /** Line protocol (ms) for the raw bucket. */
  readonly rawLines: readonly string[];
  /** Line protocol (ms) for the enriched bucket: enriched points, then the state snapshots due (see `snapshotEvery`). */
  readonly enrichedLines: readonly string[];
  readonly stored: readonly Stored[];
  readonly deadLetters: readonly DeadLetter[];
  /** Coarser candles completed by this batch (only with a deriver); their lines are in `rawLines`. */
  readonly derived: readonly MarketCandle[];
  /** Gaps and buckets that could not close while deriving. */
  readonly derivationEvents: readonly DerivationEvent[];
  /** The state of every symbol that moved, to keep once InfluxDB accepted the lines. */
  readonly states: ReadonlyMap<string, SymbolState>;
};

export type BatchContext = {
  readonly interval: Interval;
  readonly enricher: Enricher;
  /** Derives coarser candles from the newly enriched ones (stored as `type=derived` raw points). */
  readonly deriver?: Deriver;
  /**
   * A symbol's state snapshot is written once this many of its candles were enriched since the last
   * one (and always in the batch that first enriches a symbol without a state); default 1: every batch.
   * Fewer snapshots mean fewer bytes per batch; a consumer taking the symbol over replays up to this
   * many stored points (see `replayed`).
   */
  readonly snapshotEvery?: number;
};

/** The symbols a batch names (record keys), so their states can be loaded before the batch is processed. */
export const batchSymbols = (messages: readonly InMessage[]): string[] => [
  ...new Set(messages.flatMap((m) => (m.key === null ? [] : [m.key]))),
];

const decode = (m: InMessage, interval: Interval): { candle: MarketCandle } | { problem: Problem } => {
  if (m.value === null) return { problem: problem('the record has no value') };
  const decoded = decodeCandle(m.value, m.key ?? undefined, interval);
  return decoded.ok ? { candle: decoded.value } : { problem: decoded.error };
};

/**
 * One consumer batch: decode and validate every record (invalid ones, a candle of the wrong span or open
 * time included, become dead letters before candles are ordered by open time, so a bad record never
 * stands in for a valid one of the same open time, whatever their order), then per symbol in open-time
 * order enrich the candles after the symbol's state (`states`; a symbol without one starts from the
 * enricher's initial state). A candle at or before the state's last open time was enriched already (a
 * replay after a restart): only its raw point is rewritten, identically.
 */
export const processBatch = (
  messages: readonly InMessage[],
  states: ReadonlyMap<string, SymbolState>,
  { interval, enricher, deriver, snapshotEvery = 1 }: BatchContext,
): BatchResult => {
  const deadLetters: DeadLetter[] = [];
  const bySymbol = new Map<string, MarketCandle[]>();
  for (const m of messages) {
    const d = decode(m, interval);
    if ('problem' in d) {
      deadLetters.push({ message: m, problem: d.problem });
      continue;
    }
    const list = bySymbol.get(d.candle.symbol);
    if (list === undefined) bySymbol.set(d.candle.symbol, [d.candle]);
    else list.push(d.candle);
  }
  const rawLines: string[] = [];
  const enrichedLines: string[] = [];
  const snapshots: string[] = [];
  const stored: Stored[] = [];
  const next = new Map<string, SymbolState>();
  const derived: MarketCandle[] = [];
  const derivationEvents: DerivationEvent[] = [];
  // Plain loops over the batch (tens of thousands of candles): this is the consumer's hot path.
  for (const [symbol, candles] of bySymbol) {
    candles.sort((a, b) => a.openTime - b.openTime);
    const market = { symbol, interval };
    const rawSeries = candleSeries('raw', market);
    const enrichedSeries = candleSeries('enriched', market);
    const before = states.get(symbol);
    let state = before?.state ?? enricher.init;
    let lastOpenTime = before?.lastOpenTime ?? Number.NEGATIVE_INFINITY;
    let derive = deriver?.fit(before?.derive, before?.lastOpenTime);
    let enriched = 0;
    for (const candle of candles) {
      rawLines.push(rawLine(rawSeries, candle));
      if (candle.openTime <= lastOpenTime) {
        stored.push({ candle, enriched: false });
        continue;
      }
      const [after, indicators] = enricher.step(state, candle);
      state = after;
      lastOpenTime = candle.openTime;
      enriched += 1;
      enrichedLines.push(enrichedLine(enrichedSeries, candle, indicators));
      stored.push({ candle, enriched: true });
      if (deriver !== undefined && derive !== undefined) {
        const [d, out] = deriver.step(derive, candle);
        derive = d;
        for (const c of out.derived) {
          rawLines.push(rawLine(candleSeries('derived', c), c));
          derived.push(c);
        }
        derivationEvents.push(...out.events);
      }
    }
    if (enriched > 0) {
      const unsaved = (before?.unsaved ?? 0) + enriched;
      const save = before === undefined || unsaved >= snapshotEvery;
      const current: SymbolState = {
        state,
        lastOpenTime,
        ...(derive === undefined ? {} : { derive }),
        ...(save ? {} : { unsaved }),
      };
      next.set(symbol, current);
      if (save) snapshots.push(snapshotLine(symbol, interval, current));
    }
  }
  return {
    rawLines,
    enrichedLines: [...enrichedLines, ...snapshots],
    stored,
    deadLetters,
    derived,
    derivationEvents,
    states: next,
  };
};
