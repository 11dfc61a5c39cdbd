import type { Enricher, EnrichState, Prices } from '../indicators/index.ts';
import type { Interval } from '../kline/interval.ts';
import { attempt, err, ok, type Result } from '../result.ts';

/**
 * The enricher state of one symbol after its newest enriched candle. A snapshot of it is written to
 * InfluxDB after the enriched points it covers, in the same request, at most every `snapshotEvery`
 * candles of the symbol (see batch.ts); a consumer that takes the symbol over (restart, rebalance) loads
 * the newest snapshot and replays the enriched points stored after it (`replayed`), so it continues
 * exactly where the stored points end.
 */
export type SymbolState = {
  readonly state: EnrichState;
  readonly lastOpenTime: number;
  /** The derivation state (see derivation.ts) when the consumer derives coarser candles; as stored, unchecked. */
  readonly derive?: unknown;
  /** Candles enriched since the newest stored snapshot (kept in memory only; absent = 0). */
  readonly unsaved?: number;
};

/** The prices of a stored enriched point (all the enricher reads of a candle) and its time. */
export type StoredPrices = Prices & { readonly openTime: number };

/**
 * A snapshot brought up to date with the enriched points stored after it (in any order; those at or
 * before the snapshot are ignored). The enricher reads close, high and low as float64, and the stored
 * fields are those same float64 values, so the state equals the one that produced the points. The
 * derivation state cannot be replayed (the points do not keep the exact decimals of every field): after
 * a replay it no longer matches `lastOpenTime`, and derivation restarts with the next whole bucket.
 */
export const replayed = (
  enricher: Pick<Enricher, 'step'>,
  from: SymbolState,
  points: readonly StoredPrices[],
): SymbolState => {
  const after = points.filter((p) => p.openTime > from.lastOpenTime).sort((a, b) => a.openTime - b.openTime);
  if (after.length === 0) return from;
  let state = from.state;
  for (const p of after) state = enricher.step(state, p)[0];
  return {
    ...from,
    state,
    lastOpenTime: after[after.length - 1]!.openTime,
    unsaved: (from.unsaved ?? 0) + after.length,
  };
};

/** Symbols whose stored points are read in one time range (from `start`, inclusive). */
export type ReplayRange = { readonly start: number; readonly symbols: readonly string[] };

/**
 * The symbols to replay (each from its state's last open time), grouped for the query: sorted by time,
 * a group covers at most `span` ms from its first symbol, so a symbol saved recently never reads long
 * history because another one's snapshot is old.
 */
export const replayRanges = (since: ReadonlyMap<string, number>, span: number): ReplayRange[] => {
  const sorted = [...since].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const ranges: { start: number; symbols: string[] }[] = [];
  for (const [symbol, t] of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && t - last.start <= span) last.symbols.push(symbol);
    else ranges.push({ start: t, symbols: [symbol] });
  }
  return ranges;
};

export const SNAPSHOT_MEASUREMENT = 'enricher_state';

const escapeTag = (s: string): string => s.replace(/[,= ]/g, '\\$&');
const stringField = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/** The snapshot as one line of line protocol (ms): tags coin and interval, time = the last open time. */
export const snapshotLine = (symbol: string, interval: Interval, s: SymbolState): string =>
  `${SNAPSHOT_MEASUREMENT},coin=${escapeTag(symbol)},interval=${escapeTag(interval)} ` +
  `state=${stringField(JSON.stringify(s.state))},last_open_time=${s.lastOpenTime}i` +
  (s.derive === undefined ? '' : `,derive=${stringField(JSON.stringify(s.derive))}`) +
  ` ${s.lastOpenTime}`;

/** Reads a stored snapshot back; `isState` (the enricher's) checks it belongs to this configuration. */
export const readSnapshot = (
  stateJson: unknown,
  lastOpenTime: unknown,
  isState: (x: unknown) => x is EnrichState,
  deriveJson?: unknown,
): Result<SymbolState, string> => {
  if (typeof stateJson !== 'string') return err('the snapshot has no state field');
  const t = typeof lastOpenTime === 'string' ? Number(lastOpenTime) : lastOpenTime;
  if (typeof t !== 'number' || !Number.isSafeInteger(t)) return err('the snapshot has no last_open_time');
  const state = attempt(
    () => JSON.parse(stateJson) as unknown,
    () => 'the snapshot state is not JSON',
  );
  if (!state.ok) return state;
  if (!isState(state.value)) return err('the snapshot state does not fit this indicator configuration');
  // A derivation state that does not parse is dropped: derivation restarts with the next whole bucket.
  const derive =
    typeof deriveJson === 'string'
      ? attempt(
          () => JSON.parse(deriveJson) as unknown,
          () => undefined,
        )
      : undefined;
  return ok({
    state: state.value,
    lastOpenTime: t,
    ...(derive?.ok === true ? { derive: derive.value } : {}),
  });
};
