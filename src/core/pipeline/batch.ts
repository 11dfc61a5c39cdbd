import * as R from 'ramda';
import type { EnrichedCandle } from '../alerts/evaluate.ts';
import type { EnrichState, Enricher, Indicators } from '../indicators/index.ts';
import type { MarketCandle } from '../kline/candle.ts';
import { intervalMs, type Interval } from '../kline/interval.ts';
import { decodeCandle, SCHEMA_VERSION } from '../kline/message.ts';
import { problem, type Problem } from '../kline/rejection.ts';
import { seriesBytes, writeCandleLines, writeRawLine } from '../points/candleLines.ts';
import { lineWriter, type Bodies, type LineWriter } from '../points/lineBodies.ts';
import { err, partition, type Result } from '../result.ts';
import type { DerivationEvent, DerivationState, Deriver } from './derivation.ts';
import { snapshotLine, type SymbolState } from './snapshot.ts';

/*
 * The consumer's batch step, as the design draws it:
 *
 *   records → decodeRecords → splitDeadLetters → groupBySymbol
 *     → gatherPoints(per symbol: enrichGroup → deriveGroup → keepState → toPoints)
 *
 * Each step is a pure function of the previous one's output: the records, then each record decoded or
 * dead-lettered, then the valid candles apart from the dead letters, then grouped by symbol in open-time
 * order; from there each symbol goes through its own pipe, and `gatherPoints` joins their points into
 * the batch result. Loops inside a step are plain: a batch holds tens of thousands of candles, and this
 * is the consumer's hot path.
 */

/** A Kafka record as the consumer received it (value and key as UTF-8 text). */
export type InMessage = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  /** The record's `schema-version` header, when it has one. */
  readonly schemaVersion?: string;
};

export type DeadLetter = { readonly message: InMessage; readonly problem: Problem };

/** One candle that goes to InfluxDB: its market and open time, and whether it was enriched now or had been before. */
export type Stored = {
  readonly symbol: string;
  readonly openTime: number;
  readonly enriched: boolean;
};

export type BatchResult = {
  /** Line protocol (ms) for the raw bucket, as the bodies of its write requests. */
  readonly raw: Bodies;
  /**
   * Line protocol (ms) for the enriched bucket, as the bodies of its write requests: enriched points, then
   * the state snapshots due (see `snapshotEvery`).
   */
  readonly enriched: Bodies;
  readonly stored: readonly Stored[];
  /**
   * The candles at or before their symbol's state, not enriched now (a batch delivered again, or a
   * repaired hole: see rewrite.ts), in the order of `stored`.
   */
  readonly behind: readonly MarketCandle[];
  /** The candles enriched now with their indicators, as alert rules read them; only with `alerting`. */
  readonly alerting: readonly EnrichedCandle[];
  readonly deadLetters: readonly DeadLetter[];
  /** Coarser candles completed by this batch (only with a deriver); their lines are in `raw`. */
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
  /**
   * Whether alert rules read the candles enriched now (`BatchResult.alerting`). Without, a candle and its
   * indicators are dropped once its lines are written: kept in the result, they outlived the consumer's
   * awaits after the batch step (InfluxDB, Kafka) and the scavenges that came meanwhile copied them
   * (see docs/benchmarks.md).
   */
  readonly alerting?: boolean;
};

/** The symbols a batch names (record keys), so their states can be loaded before the batch is processed. */
export const batchSymbols = (messages: readonly Pick<InMessage, 'key'>[]): string[] => [
  ...new Set(messages.flatMap((m) => (m.key === null ? [] : [m.key]))),
];

/** A record read: the validated candle it carries, or why it is a dead letter. */
export type Decoded = Result<MarketCandle, DeadLetter>;

/**
 * Decodes and validates one record of the topic of `interval`: a JSON candle of that interval, of the
 * span and open time the interval requires, whose symbol is the record's key (when it has one).
 */
export const decodeRecord =
  (interval: Interval) =>
  (message: InMessage): Decoded => {
    if (message.value === null) return err({ message, problem: problem('the record has no value') });
    if (message.schemaVersion !== undefined && message.schemaVersion !== SCHEMA_VERSION)
      return err({
        message,
        problem: problem(
          `schema version ${JSON.stringify(message.schemaVersion)} is not one this consumer reads (${SCHEMA_VERSION})`,
          'schema-version',
        ),
      });
    const decoded = decodeCandle(message.value, message.key ?? undefined, interval);
    return decoded.ok ? decoded : err({ message, problem: decoded.error });
  };

/** `decodeRecord` over a batch, in record order. */
export const decodeRecords =
  (interval: Interval) =>
  (messages: readonly InMessage[]): Decoded[] =>
    R.map(decodeRecord(interval), messages);

/** A batch split: its valid candles and its dead letters, each in record order. */
export type Split = {
  readonly candles: readonly MarketCandle[];
  readonly deadLetters: readonly DeadLetter[];
};

/**
 * Sets the invalid records apart before anything is ordered by open time, so a bad record never stands
 * in for a valid one of the same open time, whatever their order in the batch.
 */
export const splitDeadLetters = (decoded: readonly Decoded[]): Split => {
  const { values, errors } = partition(decoded);
  return { candles: values, deadLetters: errors };
};

/** A batch past its dead letters: one group per symbol, in the order of the symbols' first valid records. */
export type Sorted<G> = { readonly deadLetters: readonly DeadLetter[]; readonly groups: readonly G[] };

/** A symbol's candles of the batch, in open-time order (records of one open time keep their order). */
export type SymbolCandles = { readonly symbol: string; readonly candles: readonly MarketCandle[] };

const byOpenTime = (a: MarketCandle, b: MarketCandle): number => a.openTime - b.openTime;

/** Whether candles are in open-time order already (a symbol's records usually are: no sort, no buffer for it). */
const inOpenTimeOrder = (candles: readonly MarketCandle[]): boolean => {
  for (let i = 1; i < candles.length; i++) if (candles[i]!.openTime < candles[i - 1]!.openTime) return false;
  return true;
};

/** Groups the valid candles by symbol, each group in open-time order. */
export const groupBySymbol = ({ candles, deadLetters }: Split): Sorted<SymbolCandles> => {
  const bySymbol = new Map<string, MarketCandle[]>();
  for (const c of candles) {
    const list = bySymbol.get(c.symbol);
    if (list === undefined) bySymbol.set(c.symbol, [c]);
    else list.push(c);
  }
  const groups: SymbolCandles[] = [];
  for (const [symbol, list] of bySymbol)
    groups.push({ symbol, candles: inOpenTimeOrder(list) ? list : list.sort(byOpenTime) });
  return { deadLetters, groups };
};

/** What deriving one candle completed: coarser candles, and what kept others from closing. */
export type Derivation = {
  readonly derived: readonly MarketCandle[];
  readonly events: readonly DerivationEvent[];
};

/**
 * A symbol's candles enriched after its state, and where its state stands after them. Per candle (same
 * index): its indicators, or undefined when the symbol's state had seen it already (a replay after a
 * restart: only its raw point is rewritten); with a deriver, what deriving it completed. Parallel arrays
 * rather than an object per candle: a batch's candles are the consumer's hot path.
 */
export type EnrichedGroup = SymbolCandles & {
  /** The symbol's state before the batch; undefined when it had none (it starts from the enricher's). */
  readonly before: SymbolState | undefined;
  readonly indicators: readonly (Indicators | undefined)[];
  /** How many of `candles` were enriched now. */
  readonly enriched: number;
  readonly state: EnrichState;
  readonly lastOpenTime: number;
  /** The derivation state after the batch, when the batch derives. */
  readonly derive?: DerivationState;
  readonly derivations?: readonly (Derivation | undefined)[];
};

/**
 * Enriches a symbol's candles, in open-time order, after its state in `states` (or the enricher's
 * initial state); a candle at or before the state's last open time is passed on unenriched.
 */
export const enrichGroup =
  (enricher: Enricher, states: ReadonlyMap<string, SymbolState>) =>
  ({ symbol, candles }: SymbolCandles): EnrichedGroup => {
    const before = states.get(symbol);
    const from = before?.state ?? enricher.init;
    // The group's own copy of the state, advanced in place: `enricher.step` copies it once per candle.
    let state: number[] | undefined;
    let lastOpenTime = before?.lastOpenTime ?? Number.NEGATIVE_INFINITY;
    let enriched = 0;
    const indicators: (Indicators | undefined)[] = [];
    for (const candle of candles) {
      if (candle.openTime <= lastOpenTime) {
        indicators.push(undefined);
        continue;
      }
      state ??= from.slice();
      const values = enricher.advance(state, candle);
      lastOpenTime = candle.openTime;
      enriched += 1;
      indicators.push(values);
    }
    return { symbol, candles, before, indicators, enriched, state: state ?? from, lastOpenTime };
  };

/**
 * Feeds a symbol's newly enriched candles to `deriver`, from its stored derivation state (fitted: see
 * `Deriver.fit`), noting per candle the coarser candles it completed and the events it raised; without
 * a deriver, the group as it is.
 */
export const deriveGroup = (deriver: Deriver | undefined): ((group: EnrichedGroup) => EnrichedGroup) =>
  deriver === undefined
    ? R.identity
    : (group) => {
        let derive = deriver.fit(group.before?.derive, group.before?.lastOpenTime);
        const derivations: (Derivation | undefined)[] = [];
        for (let i = 0; i < group.candles.length; i++) {
          if (group.indicators[i] === undefined) {
            derivations.push(undefined);
            continue;
          }
          const [next, derivation] = deriver.step(derive, group.candles[i]!);
          derive = next;
          derivations.push(derivation);
        }
        return { ...group, derive, derivations };
      };

/** A symbol's group with the state to keep for it (none when nothing was enriched), and whether to snapshot it. */
export type KeptGroup = EnrichedGroup & { readonly next?: SymbolState; readonly save: boolean };

/**
 * Where in `every` candles a symbol's snapshots fall: a hash of its name, so that symbols moving in step
 * (every symbol at 1s gets one candle a second) do not all write their snapshots in the same batch.
 */
export const snapshotPhase = (symbol: string, every: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193) >>> 0;
  return h % every;
};

/**
 * The state a symbol moves to, if any of its candles was enriched: saved (a snapshot line is due) in the
 * batch that first enriches a symbol without a state, then each time its candles pass the symbol's own
 * boundary (every `snapshotEvery` candles by open time, shifted by `snapshotPhase`), and at the latest
 * once `snapshotEvery` candles were enriched since the last snapshot; until then it counts them as
 * `unsaved`.
 */
export const keepState =
  (snapshotEvery: number, interval: Interval) =>
  (group: EnrichedGroup): KeptGroup => {
    if (group.enriched === 0) return { ...group, save: false };
    const { before, state, lastOpenTime, derive } = group;
    const unsaved = (before?.unsaved ?? 0) + group.enriched;
    const step = intervalMs[interval];
    const phase = snapshotPhase(group.symbol, snapshotEvery);
    const slot = (t: number) => Math.floor((Math.floor(t / step) + phase) / snapshotEvery);
    const save =
      before === undefined || unsaved >= snapshotEvery || slot(lastOpenTime) > slot(before.lastOpenTime);
    const next: SymbolState = {
      state,
      lastOpenTime,
      ...(derive === undefined ? {} : { derive }),
      ...(save ? {} : { unsaved }),
    };
    return { ...group, next, save };
  };

/** Where a batch's lines are written: one writer per bucket. */
export type BatchWriters = { readonly raw: LineWriter; readonly enriched: LineWriter };

/**
 * A symbol's share of the batch result. Its lines went to the batch's writers: every candle's raw point,
 * each followed by those of the derived candles it completed, and the enriched point of every candle
 * enriched now.
 */
export type GroupPoints = {
  readonly symbol: string;
  /** The state snapshot, when one is due. */
  readonly snapshot?: string;
  readonly stored: readonly Stored[];
  readonly behind: readonly MarketCandle[];
  readonly alerting: readonly EnrichedCandle[];
  readonly derived: readonly MarketCandle[];
  readonly derivationEvents: readonly DerivationEvent[];
  /** The state to keep, when any candle was enriched. */
  readonly next?: SymbolState;
};

/** What alert rules read of a candle enriched now. */
const alertingCandle = (c: MarketCandle, indicators: Indicators): EnrichedCandle => ({
  symbol: c.symbol,
  interval: c.interval,
  openTime: c.openTime,
  close: c.close,
  volume: c.volume,
  indicators,
});

/**
 * A symbol's candles as InfluxDB points (line protocol, ms) written to `out`, and what the shell reports
 * and keeps of them (with `alerting`, what alert rules read of them).
 */
export const toPoints =
  (interval: Interval, out: BatchWriters, alerting = false) =>
  ({ symbol, candles, indicators, derivations, next, save }: KeptGroup): GroupPoints => {
    const market = { symbol, interval };
    const rawSeries = seriesBytes('raw', market);
    const enrichedSeries = seriesBytes('enriched', market);
    const stored: Stored[] = [];
    const behind: MarketCandle[] = [];
    const alerted: EnrichedCandle[] = [];
    const derived: MarketCandle[] = [];
    const derivationEvents: DerivationEvent[] = [];
    for (let i = 0; i < candles.length; i++) {
      const candle = candles[i]!;
      const values = indicators[i];
      if (values === undefined) {
        writeRawLine(out.raw, rawSeries, candle);
        stored.push({ symbol, openTime: candle.openTime, enriched: false });
        behind.push(candle);
        continue;
      }
      writeCandleLines(out.raw, rawSeries, out.enriched, enrichedSeries, candle, values);
      stored.push({ symbol, openTime: candle.openTime, enriched: true });
      if (alerting) alerted.push(alertingCandle(candle, values));
      const derivation = derivations?.[i];
      if (derivation === undefined) continue;
      for (const c of derivation.derived) {
        writeRawLine(out.raw, seriesBytes('derived', c), c);
        derived.push(c);
      }
      derivationEvents.push(...derivation.events);
    }
    return {
      symbol,
      ...(next !== undefined && save ? { snapshot: snapshotLine(symbol, interval, next) } : {}),
      stored,
      behind,
      alerting: alerted,
      derived,
      derivationEvents,
      ...(next === undefined ? {} : { next }),
    };
  };

/** Bytes of a candle's lines, about (the writers' first bodies are sized by it; they grow as needed). */
const RAW_BYTES = 160;
const ENRICHED_BYTES = 640;

/**
 * The batch result: `perSymbol` run on each symbol's group with the batch's writers, their points one
 * symbol after another, the state snapshots due after all enriched points (they travel in the same
 * request as the points they cover), the dead letters. Each symbol's points are written as soon as they
 * exist, so a symbol's indicators die young: kept for the whole batch (an array of per-symbol results, or
 * one batch-wide step after another), they survived V8's scavenges, V8 began allocating them in the old
 * generation, and the batch step lost 5–30 % to GC (measured; see docs/benchmarks.md).
 */
export const gatherPoints =
  (perSymbol: (out: BatchWriters) => (group: SymbolCandles) => GroupPoints) =>
  ({ deadLetters, groups }: Sorted<SymbolCandles>): BatchResult => {
    let candles = 0;
    for (const g of groups) candles += g.candles.length;
    const out = { raw: lineWriter(candles * RAW_BYTES), enriched: lineWriter(candles * ENRICHED_BYTES) };
    const points = perSymbol(out);
    const snapshots: string[] = [];
    const stored: Stored[] = [];
    const behind: MarketCandle[] = [];
    const alerting: EnrichedCandle[] = [];
    const derived: MarketCandle[] = [];
    const derivationEvents: DerivationEvent[] = [];
    const states = new Map<string, SymbolState>();
    for (const group of groups) {
      const g = points(group);
      for (const s of g.stored) stored.push(s);
      for (const c of g.behind) behind.push(c);
      for (const c of g.alerting) alerting.push(c);
      for (const c of g.derived) derived.push(c);
      for (const e of g.derivationEvents) derivationEvents.push(e);
      if (g.snapshot !== undefined) snapshots.push(g.snapshot);
      if (g.next !== undefined) states.set(g.symbol, g.next);
    }
    for (const s of snapshots) {
      out.enriched.text(s);
      out.enriched.endLine();
    }
    return {
      raw: out.raw.bodies(),
      enriched: out.enriched.bodies(),
      stored,
      behind,
      alerting,
      deadLetters,
      derived,
      derivationEvents,
      states,
    };
  };

/**
 * The batch step for one batch context and the states of its symbols before the batch:
 * decode → dead letters apart → group by symbol → per symbol (enrich → derive → keep state → points), gathered.
 */
export const batchStep = (
  { interval, enricher, deriver, snapshotEvery = 1, alerting = false }: BatchContext,
  states: ReadonlyMap<string, SymbolState>,
): ((messages: readonly InMessage[]) => BatchResult) =>
  R.pipe(
    decodeRecords(interval),
    splitDeadLetters,
    groupBySymbol,
    gatherPoints((out) =>
      R.pipe(
        enrichGroup(enricher, states),
        deriveGroup(deriver),
        keepState(snapshotEvery, interval),
        toPoints(interval, out, alerting),
      ),
    ),
  );

/**
 * One consumer batch (`batchStep`): decode and validate every record (invalid ones, a candle of the wrong
 * span or open time included, become dead letters before candles are ordered by open time, so a bad
 * record never stands in for a valid one of the same open time, whatever their order), then per symbol
 * in open-time order enrich the candles after the symbol's state (`states`; a symbol without one starts
 * from the enricher's initial state). A candle at or before the state's last open time was enriched
 * already (a replay after a restart): only its raw point is rewritten, identically.
 */
export const processBatch = (
  messages: readonly InMessage[],
  states: ReadonlyMap<string, SymbolState>,
  context: BatchContext,
): BatchResult => batchStep(context, states)(messages);
