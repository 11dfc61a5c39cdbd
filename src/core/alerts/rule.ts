import type { Alert as SpecAlert, AlertField } from '../../api/v1alpha1/cryptostream.ts';
import type { IndicatorConfig } from '../indicators/config.ts';
import type { Interval } from '../kline/interval.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * What an alert watches: a field of the enriched candle (`close` is the price, `volume`, the `rsi` and
 * `volatility` indicators) as `spec.alerts[].field` names it, or `change`: the percentage change of the
 * close over the last `window` candles (`100 · (close(t) − close(t−window)) / close(t−window)`).
 */
export type AlertKind = AlertField | 'change';

/**
 * An alert of the spec, widened by the change kind and its `window` (which the CRD does not declare yet):
 * `spec.alerts` as the API types it is assignable to it.
 */
export type AlertSpec = Omit<SpecAlert, 'field'> & {
  readonly field: AlertKind;
  /** `change` only: the number of candles the change spans (1 to `MAX_WINDOW`). */
  readonly window?: number;
};

/** The spec fields `alertRules` reads. */
export type AlertSpecSource = {
  readonly alerts: readonly AlertSpec[];
  /** An alert without an interval watches the first of these (the CRD's default). */
  readonly intervals: readonly Interval[];
  /** Names the indicator fields: `rsi_<rsi>`, `volatility_<volatility>`. */
  readonly indicators: Pick<IndicatorConfig, 'rsi' | 'volatility'>;
};

/** An alert rule resolved for evaluation: its interval chosen and the enriched field it reads named. */
export type AlertRule = {
  readonly name: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly kind: AlertKind;
  /** The enriched candle's field the rule reads: `close`, `volume`, `rsi_14`, `volatility_20` (change: `close`). */
  readonly source: string;
  /** `change`: candles the change spans; 0 for the other kinds. */
  readonly window: number;
  /** Fires when the value rises strictly above this. */
  readonly above?: number;
  /** Fires when the value falls strictly below this. */
  readonly below?: number;
};

/** The longest change window, as long as the longest indicator period: the state keeps this many closes. */
export const MAX_WINDOW = 1000;

const sourceOf = (a: AlertSpec, indicators: AlertSpecSource['indicators']): string => {
  switch (a.field) {
    case 'rsi':
      return `rsi_${indicators.rsi}`;
    case 'volatility':
      return `volatility_${indicators.volatility}`;
    case 'change':
      return 'close';
    default:
      return a.field;
  }
};

const kinds: readonly string[] = ['close', 'volume', 'rsi', 'volatility', 'change'];

const ruleOf = (a: AlertSpec, spec: AlertSpecSource): Result<AlertRule, string> => {
  const at = `alert ${JSON.stringify(a.name)}`;
  if (!kinds.includes(a.field)) return err(`${at}: unknown field ${JSON.stringify(a.field)}`);
  const interval = a.interval ?? spec.intervals[0];
  if (interval === undefined) return err(`${at}: no interval, and the stream has none`);
  if (a.above === undefined && a.below === undefined)
    return err(`${at} needs a threshold: set above, below or both`);
  for (const [key, value] of [
    ['above', a.above],
    ['below', a.below],
  ] as const)
    if (value !== undefined && !Number.isFinite(value)) return err(`${at}: ${key} must be a finite number`);
  if (a.above !== undefined && a.below !== undefined && !(a.below < a.above))
    return err(`${at}: below must be lower than above`);
  if (a.field === 'change') {
    const w = a.window;
    if (w === undefined || !Number.isInteger(w) || w < 1 || w > MAX_WINDOW)
      return err(`${at}: a change alert needs a window, an integer from 1 to ${MAX_WINDOW} (candles)`);
  } else if (a.window !== undefined) return err(`${at}: window applies to change alerts only`);
  return ok({
    name: a.name,
    symbol: a.symbol,
    interval,
    kind: a.field,
    source: sourceOf(a, spec.indicators),
    window: a.field === 'change' ? a.window! : 0,
    ...(a.above === undefined ? {} : { above: a.above }),
    ...(a.below === undefined ? {} : { below: a.below }),
  });
};

/**
 * The stream's alert rules, resolved once when a consumer starts (`spec.alerts`, `spec.intervals` and
 * `spec.indicators`). Checks what the CRD checks (a threshold, below < above) and what it cannot yet
 * (unique names, the change window), so a consumer never evaluates a rule the API server would refuse.
 */
export const alertRules = (spec: AlertSpecSource): Result<readonly AlertRule[], string> => {
  const rules: AlertRule[] = [];
  const names = new Set<string>();
  for (const a of spec.alerts) {
    if (names.has(a.name)) return err(`alert ${JSON.stringify(a.name)} is declared twice`);
    names.add(a.name);
    const r = ruleOf(a, spec);
    if (!r.ok) return r;
    rules.push(r.value);
  }
  return ok(rules);
};

/** The rules that watch one market (one symbol in one interval). */
export const rulesOf = (
  rules: readonly AlertRule[],
  market: { readonly symbol: string; readonly interval: Interval },
): AlertRule[] => rules.filter((r) => r.symbol === market.symbol && r.interval === market.interval);

/**
 * How many of a market's newest candles rebuild its alert state exactly (see `restoreAlertState`): one
 * for the value of the previous candle, `window + 1` for a change rule (the previous candle's change and
 * the closes after its base). 0 when no rule watches the market.
 */
export const alertLookback = (rules: readonly AlertRule[]): number =>
  rules.reduce((n, r) => Math.max(n, r.kind === 'change' ? r.window + 1 : 1), 0);

/** The enriched fields the rules read (for the query that reads stored candles back): `close`, `rsi_14`, ... */
export const alertSources = (rules: readonly AlertRule[]): string[] => [
  ...new Set(rules.map((r) => r.source)),
];
