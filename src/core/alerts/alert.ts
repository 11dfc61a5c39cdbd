import { intervalMs, type Interval } from '../kline/interval.ts';
import type { AlertKind, AlertRule } from './rule.ts';

/** Which threshold the value crossed: rose above `above`, or fell below `below`. */
export type AlertDirection = 'above' | 'below';

/** An alert that fired: one rule's crossing on one closed candle. */
export type Alert = {
  /** `<rule>:<symbol>:<interval>:<openTime>`: the same crossing always has the same id (see `alertId`). */
  readonly id: string;
  readonly rule: string;
  readonly kind: AlertKind;
  readonly direction: AlertDirection;
  readonly symbol: string;
  readonly interval: Interval;
  /** The candle the condition became true on: its open time and close time (epoch ms). */
  readonly openTime: number;
  readonly closeTime: number;
  /** The rule's value on that candle (change: percent) and the threshold it crossed. */
  readonly value: number;
  readonly threshold: number;
  /** The value on the previous candle; null when it had none (first candle, indicator warming up). */
  readonly previous: number | null;
  /** `change`: the candles the change spans. */
  readonly window?: number;
};

/**
 * The id of a rule's alert on a candle. A rule fires at most once per candle (its two thresholds cannot
 * both be crossed by one value), so rule, market and open time identify the alert: a re-published alert
 * (a consumer restarted before committing) carries the same id and is dropped downstream as a duplicate.
 */
export const alertId = (rule: string, symbol: string, interval: Interval, openTime: number): string =>
  `${rule}:${symbol}:${interval}:${openTime}`;

export const alertOf = (
  rule: AlertRule,
  openTime: number,
  direction: AlertDirection,
  value: number,
  previous: number | null,
): Alert => ({
  id: alertId(rule.name, rule.symbol, rule.interval, openTime),
  rule: rule.name,
  kind: rule.kind,
  direction,
  symbol: rule.symbol,
  interval: rule.interval,
  openTime,
  closeTime: openTime + intervalMs[rule.interval] - 1,
  value,
  threshold: direction === 'above' ? rule.above! : rule.below!,
  previous,
  ...(rule.kind === 'change' ? { window: rule.window } : {}),
});

/** At most 8 significant digits, without trailing zeros: for people; the exact value is in `value`. */
const shown = (x: number): string => String(Number(x.toPrecision(8)));

/**
 * A one-line description: `BTCUSDC 15m close rose above 63000 (63012.5)`,
 * `BTCUSDC 15m change over 4 candles fell below -1% (-1.2345%)`.
 */
export const alertMessage = (a: Alert): string => {
  const what = a.kind === 'change' ? `change over ${a.window} candle${a.window === 1 ? '' : 's'}` : a.kind;
  const unit = a.kind === 'change' ? '%' : '';
  const moved = a.direction === 'above' ? 'rose above' : 'fell below';
  return `${a.symbol} ${a.interval} ${what} ${moved} ${shown(a.threshold)}${unit} (${shown(a.value)}${unit})`;
};
