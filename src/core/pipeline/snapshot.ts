import type { EnrichState } from '../indicators/index.ts';
import type { Interval } from '../kline/interval.ts';
import { attempt, err, ok, type Result } from '../result.ts';

/**
 * The enricher state of one symbol after its newest enriched candle. It is written to InfluxDB in the
 * same request as the enriched points it produced, so a consumer that takes the symbol over (restart,
 * rebalance) continues exactly where the stored points end.
 */
export type SymbolState = {
  readonly state: EnrichState;
  readonly lastOpenTime: number;
  /** The derivation state (see derivation.ts) when the consumer derives coarser candles; as stored, unchecked. */
  readonly derive?: unknown;
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
