import type { Indicators } from '../indicators/enricher.ts';
import { priceOf } from '../indicators/price.ts';
import type { MarketCandle } from '../kline/candle.ts';
import { alertOf, type Alert, type AlertDirection } from './alert.ts';
import type { AlertRule } from './rule.ts';

/*
 * Once per crossing, stateless by construction. A rule's condition on a candle is "value > above" (or
 * "value < below"); a rule fires on candle t when its condition holds on t and did not hold on the
 * candle before it: condition(t) && !condition(t−1). A value that does not exist (an indicator still
 * warming up, a change window not yet full, no previous candle) satisfies no condition. That definition
 * depends only on the candles, never on which alerts were sent before: any consumer that evaluates
 * candle t after candle t−1 (continuously, after a restart, after a rebalance, in a replay) finds the
 * same crossings. The state below is just the part of the previous candles the next candle needs.
 */

/** What alerts read of an enriched candle: the consumer's candle and indicators, or a stored enriched point. */
export type EnrichedCandle = Pick<MarketCandle, 'symbol' | 'interval' | 'openTime' | 'close' | 'volume'> & {
  /** The indicators of the candle, by field name (`rsi_14`, `volatility_20`, ...); absent = no value yet. */
  readonly indicators: Indicators;
};

/** One rule's memory of the last candle it evaluated. Plain JSON. */
export type RuleState = {
  /** Open time of the last candle evaluated: candles at or before it are replays and are ignored. */
  readonly openTime: number;
  /** The rule's value on that candle (change: percent); null when it had none. */
  readonly value: number | null;
  /** `change`: the closes of the last `window` candles, oldest first (fewer at the start); [] otherwise. */
  readonly closes: readonly number[];
};

/** Per (rule, symbol, interval) (`stateKey`): a small JSON value, rebuilt from stored candles by `restoreAlertState`. */
export type AlertState = Readonly<Record<string, RuleState>>;

export const initialAlertState: AlertState = {};

export const stateKey = (r: Pick<AlertRule, 'name' | 'symbol' | 'interval'>): string =>
  `${r.name}:${r.symbol}:${r.interval}`;

/** A rule's state after a candle: the value it reads there and, for a change rule, the closes kept. */
const step = (rule: AlertRule, before: RuleState | undefined, c: EnrichedCandle): RuleState => {
  if (rule.kind === 'change') {
    const close = priceOf(c.close);
    const closes = before?.closes ?? [];
    // Validated candles always have a close; anything else counts as no value and is not kept.
    if (!Number.isFinite(close)) return { openTime: c.openTime, value: null, closes };
    const base = closes.length >= rule.window ? closes[closes.length - rule.window]! : undefined;
    const value = base !== undefined && base > 0 ? (100 * (close - base)) / base : null;
    const kept =
      closes.length >= rule.window ? closes.slice(closes.length - rule.window + 1) : closes.slice();
    kept.push(close);
    return { openTime: c.openTime, value, closes: kept };
  }
  const raw =
    rule.source === 'close'
      ? priceOf(c.close)
      : rule.source === 'volume'
        ? priceOf(c.volume)
        : c.indicators[rule.source];
  return { openTime: c.openTime, value: raw !== undefined && Number.isFinite(raw) ? raw : null, closes: [] };
};

const holds = (rule: AlertRule, direction: AlertDirection, value: number | null): boolean =>
  value !== null &&
  (direction === 'above'
    ? rule.above !== undefined && value > rule.above
    : rule.below !== undefined && value < rule.below);

/** The threshold crossed from `previous` to `value`, if any (below < above: at most one holds). */
export const crossing = (
  rule: AlertRule,
  previous: number | null,
  value: number | null,
): AlertDirection | undefined => {
  if (holds(rule, 'above', value) && !holds(rule, 'above', previous)) return 'above';
  if (holds(rule, 'below', value) && !holds(rule, 'below', previous)) return 'below';
  return undefined;
};

export type Evaluation = { readonly alerts: readonly Alert[]; readonly state: AlertState };

/**
 * The alerts one closed, enriched candle fires, and the state after it. Only the rules of the candle's
 * symbol and interval take part; the state of other markets is passed on untouched (the same object when
 * no rule watches the candle). A candle at or before a rule's last evaluated candle is a replay (Kafka
 * delivers at least once): it fires nothing and changes nothing. Candles must come in open-time order per
 * market; the previous candle is the last one evaluated, whatever its open time (a gap is not filled).
 */
export const evaluateAlerts = (
  rules: readonly AlertRule[],
  state: AlertState,
  candle: EnrichedCandle,
): Evaluation => {
  let next: Record<string, RuleState> | undefined;
  const alerts: Alert[] = [];
  for (const rule of rules) {
    if (rule.symbol !== candle.symbol || rule.interval !== candle.interval) continue;
    const key = stateKey(rule);
    const before = state[key];
    if (before !== undefined && candle.openTime <= before.openTime) continue;
    const after = step(rule, before, candle);
    next ??= { ...state };
    next[key] = after;
    const previous = before?.value ?? null;
    const direction = crossing(rule, previous, after.value);
    if (direction !== undefined)
      alerts.push(alertOf(rule, candle.openTime, direction, after.value!, previous));
  }
  return { alerts, state: next ?? state };
};

/** Evaluates candles in open-time order from a state: every alert they fire, and the state after the last. */
export const evaluateAll = (
  rules: readonly AlertRule[],
  state: AlertState,
  candles: readonly EnrichedCandle[],
): Evaluation => {
  const alerts: Alert[] = [];
  let s = state;
  for (const c of [...candles].sort((a, b) => a.openTime - b.openTime)) {
    const e = evaluateAlerts(rules, s, c);
    s = e.state;
    alerts.push(...e.alerts);
  }
  return { alerts, state: s };
};

/**
 * The state after the given candles, rebuilt from them alone: what a consumer that takes a market over
 * (restart, rebalance, scale-out) evaluates from. Give it the newest `alertLookback(rules)` candles stored
 * before the first candle it will evaluate (more do no harm, in any order): the state equals, field for
 * field, that of a consumer that evaluated every candle since the first, so the next candle fires exactly
 * what it would have fired there. The alerts of these candles are not returned: they were the previous
 * consumer's to send (or, where the candles are evaluated again, they come out again with the same ids).
 */
export const restoreAlertState = (
  rules: readonly AlertRule[],
  candles: readonly EnrichedCandle[],
): AlertState => evaluateAll(rules, initialAlertState, candles).state;

const isRuleState = (x: unknown): x is RuleState => {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s['openTime'] === 'number' &&
    Number.isFinite(s['openTime']) &&
    (s['value'] === null || (typeof s['value'] === 'number' && Number.isFinite(s['value']))) &&
    Array.isArray(s['closes']) &&
    s['closes'].every((n) => typeof n === 'number' && Number.isFinite(n))
  );
};

/** Whether a value (e.g. a state kept as JSON) is an alert state. */
export const isAlertState = (x: unknown): x is AlertState =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every(isRuleState);
