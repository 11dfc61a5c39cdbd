import { isInterval, type Interval } from '../kline/interval.ts';
import { toLineProtocol } from '../points/lineProtocol.ts';
import type { Point } from '../points/point.ts';
import { isRecord } from '../record.ts';
import { err, ok, type Result } from '../result.ts';
import { alertId, alertMessage, type Alert } from './alert.ts';
import type { AlertKind } from './rule.ts';

/** Version of the alert record's JSON (the `schemaVersion` field and the `schema-version` header). */
export const ALERT_SCHEMA_VERSION = 1;

/** Alerts of an interval go to `alerts-<interval>` (after the stream's shared-Kafka prefix, if any). */
export const ALERT_TOPIC_PREFIX = 'alerts-';
export const alertTopicName = (i: Interval): string => `${ALERT_TOPIC_PREFIX}${i}`;

/** A Kafka record, as the producer's candle records (`CandleMessage`): key, JSON value, text headers. */
export type AlertRecord = {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
};

/** The record's JSON: the alert, its schema version and its message, fields in this order. */
export type AlertJson = Alert & { readonly schemaVersion: number; readonly message: string };

/**
 * The alert as a record of `alerts-<interval>`: key = symbol (a symbol's alerts stay in order on one
 * partition), value = `AlertJson`, headers `schema-version` and `alert-id`. The same alert always makes
 * the same record, byte for byte.
 */
export const encodeAlert = (a: Alert): AlertRecord => {
  const json: AlertJson = {
    schemaVersion: ALERT_SCHEMA_VERSION,
    id: a.id,
    rule: a.rule,
    kind: a.kind,
    direction: a.direction,
    symbol: a.symbol,
    interval: a.interval,
    openTime: a.openTime,
    closeTime: a.closeTime,
    value: a.value,
    threshold: a.threshold,
    previous: a.previous,
    ...(a.window === undefined ? {} : { window: a.window }),
    message: alertMessage(a),
  };
  return {
    key: a.symbol,
    value: JSON.stringify(json),
    headers: { 'schema-version': String(ALERT_SCHEMA_VERSION), 'alert-id': a.id },
  };
};

const kinds: readonly string[] = ['close', 'volume', 'rsi', 'volatility', 'change'];
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Reads a record value back (for consumers of the topic), checking its version, fields and id. */
export const decodeAlert = (value: string): Result<AlertJson, string> => {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return err('the alert record is not JSON');
  }
  if (!isRecord(v)) return err('the alert record must be a JSON object');
  if (v['schemaVersion'] !== ALERT_SCHEMA_VERSION)
    return err(`unsupported alert schema version ${JSON.stringify(v['schemaVersion'])}`);
  const { id, rule, kind, direction, symbol, interval, openTime, closeTime, value: x, threshold } = v;
  const { previous, window, message } = v;
  if (typeof rule !== 'string' || rule === '') return err('rule must be a non-empty string');
  if (typeof kind !== 'string' || !kinds.includes(kind)) return err(`unknown kind ${JSON.stringify(kind)}`);
  if (direction !== 'above' && direction !== 'below') return err('direction must be above or below');
  if (typeof symbol !== 'string' || symbol === '') return err('symbol must be a non-empty string');
  if (typeof interval !== 'string' || !isInterval(interval))
    return err(`unknown interval ${JSON.stringify(interval)}`);
  if (!isTime(openTime) || !isTime(closeTime) || closeTime < openTime)
    return err('openTime and closeTime must be epoch milliseconds, closeTime after openTime');
  if (!isNumber(x) || !isNumber(threshold)) return err('value and threshold must be finite numbers');
  if (previous !== null && !isNumber(previous)) return err('previous must be a finite number or null');
  if (kind === 'change' ? !Number.isSafeInteger(window) || (window as number) < 1 : window !== undefined)
    return err('window: a positive integer on change alerts, absent otherwise');
  if (typeof message !== 'string') return err('message must be a string');
  if (id !== alertId(rule, symbol, interval, openTime))
    return err(`id ${JSON.stringify(id)} is not ${alertId(rule, symbol, interval, openTime)}`);
  return ok({
    schemaVersion: ALERT_SCHEMA_VERSION,
    id,
    rule,
    kind: kind as AlertKind,
    direction,
    symbol,
    interval,
    openTime,
    closeTime,
    value: x,
    threshold,
    previous,
    ...(window === undefined ? {} : { window: window as number }),
    message,
  });
};

export const ALERT_MEASUREMENT = 'alert';

/**
 * The alert's InfluxDB point, numeric fields only (the project's `Point` has no string fields; see
 * `alertLine` for the full line): measurement `alert`, tags rule, symbol, interval, kind, fields value
 * and threshold, time = the candle's open time, like the candle's own points. Identity (measurement, tags,
 * time) is the alert's id, so writing it again is an idempotent upsert.
 */
export const alertPoint = (a: Alert): Point => ({
  measurement: ALERT_MEASUREMENT,
  tags: { rule: a.rule, symbol: a.symbol, interval: a.interval, kind: a.kind },
  fields: { value: { type: 'float', value: a.value }, threshold: { type: 'float', value: a.threshold } },
  time: a.openTime,
});

/** A line protocol string field value: double quotes and backslashes escaped. */
const stringField = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/**
 * The alert as one line of line protocol (ms): `alertPoint` plus the string fields direction and message.
 * `alert,interval=15m,kind=close,rule=btc-high,symbol=BTCUSDC value=63012.5,threshold=63000,direction="above",message="…" 1726…`
 */
export const alertLine = (a: Alert): string => {
  const line = toLineProtocol(alertPoint(a));
  const at = line.lastIndexOf(' ');
  return `${line.slice(0, at)},direction=${stringField(a.direction)},message=${stringField(alertMessage(a))}${line.slice(at)}`;
};
