import type { Alert, CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { intervalMs } from '../../kline/interval.ts';
import { DATASOURCE_UID, enrichedCandles, shortHash } from './flux.ts';
import { pipelineRules } from './pipelineAlerts.ts';

/** A Grafana threshold evaluator: `gt`, `lt` or `outside_range` and its parameters. */
export type Evaluator = { readonly type: 'gt' | 'lt' | 'outside_range'; readonly params: number[] };

/** What tells one provisioned rule from another: its query, thresholds, labels and texts. */
export type RuleSpec = {
  readonly uid: string;
  readonly title: string;
  /** Flux over the provisioned InfluxDB datasource, no Grafana macro in it; one series per alert instance. */
  readonly query: string;
  /** Seconds of data the query reads (its `range(start: -<lookback>s)`). */
  readonly lookback: number;
  /** Compared with the last value of each series. */
  readonly evaluator: Evaluator;
  /** No series at all: `NoData` (the rule's state says so) or `OK` (no news is good news). */
  readonly noDataState: 'NoData' | 'OK';
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
};

/**
 * A rule as Grafana's alerting file provisioning has it: query A, B its series' last values, C the
 * threshold on them (the condition); one alert instance per series (its labels: the group key of its table).
 * No `$` anywhere: Grafana expands environment variables in provisioning files.
 */
export const grafanaRule = (r: RuleSpec) => ({
  uid: r.uid,
  title: r.title,
  condition: 'C',
  data: [
    {
      refId: 'A',
      relativeTimeRange: { from: r.lookback, to: 0 },
      datasourceUid: DATASOURCE_UID,
      model: { refId: 'A', query: r.query },
    },
    {
      refId: 'B',
      datasourceUid: '__expr__',
      model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last' },
    },
    {
      refId: 'C',
      datasourceUid: '__expr__',
      model: { refId: 'C', type: 'threshold', expression: 'B', conditions: [{ evaluator: r.evaluator }] },
    },
  ],
  noDataState: r.noDataState,
  execErrState: 'Error',
  for: '0s',
  labels: r.labels,
  annotations: { summary: r.summary },
});

/** close and volume are candle fields; indicators are matched by prefix (rsi_14, volatility_20, ...). */
const fieldFilter = (field: Alert['field']): string =>
  field === 'close' || field === 'volume' ? `r._field == "${field}"` : `r._field =~ /^${field}/`;

const evaluator = (a: Alert): Evaluator => {
  if (a.above !== undefined && a.below !== undefined)
    return { type: 'outside_range', params: [a.below, a.above] };
  if (a.above !== undefined) return { type: 'gt', params: [a.above] };
  return { type: 'lt', params: [a.below ?? 0] };
};

/**
 * The change in percent of the close over `window` candles, as the consumers compute it
 * (src/core/alerts/rule.ts): the newest close against the one `window` candles before it, on the newest
 * `window + 1` stored candles; no value while fewer are stored.
 */
export const changeQuery = (symbol: string, interval: string, window: number, lookback: number): string =>
  [
    enrichedCandles(symbol, interval, `start: -${lookback}s`),
    `  |> filter(fn: (r) => r._field == "close")`,
    `  |> tail(n: ${window + 1})`,
    `  |> reduce(identity: {n: 0, base: 0.0, close: 0.0}, fn: (r, accumulator) => ({n: accumulator.n + 1, base: if accumulator.n == 0 then r._value else accumulator.base, close: r._value}))`,
    `  |> filter(fn: (r) => r.n == ${window + 1} and r.base != 0.0)`,
    `  |> map(fn: (r) => ({r with _time: r._stop, _value: 100.0 * (r.close - r.base) / r.base}))`,
    `  |> drop(columns: ["n", "base", "close"])`,
  ].join('\n');

const thresholdRule = (cr: CryptoStream, a: Alert) => {
  const interval = a.interval ?? cr.spec.intervals[0]!;
  const seconds = intervalMs[interval] / 1000;
  const change = a.field === 'change';
  // A change reads window + 1 candles (and a few more, for a candle or two not yet stored).
  const lookback = Math.max(3600, (change ? (a.window ?? 1) + 3 : 3) * seconds);
  const query = change
    ? changeQuery(a.symbol, interval, a.window ?? 1, lookback)
    : `${enrichedCandles(a.symbol, interval, `start: -${lookback}s`)}\n  |> filter(fn: (r) => ${fieldFilter(a.field)})\n  |> last()`;
  const what = change ? `change over ${a.window} candles (%)` : a.field;
  return grafanaRule({
    uid: `cs-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}/${a.name}`)}`,
    title: `${cr.metadata.name} ${a.name}`,
    query,
    lookback,
    evaluator: evaluator(a),
    noDataState: 'NoData',
    labels: { stream: cr.metadata.name, symbol: a.symbol, interval },
    summary: `${a.symbol} ${interval} ${what}${a.above === undefined ? '' : ` above ${a.above}`}${a.below === undefined ? '' : ` below ${a.below}`}`,
  });
};

/**
 * Grafana alerting file provisioning: a rule group with the threshold alerts of the stream (none without
 * `spec.alerts`), a rule group with the pipeline's own health (pipelineAlerts.ts), every minute.
 */
export const alertRules = (cr: CryptoStream) => ({
  apiVersion: 1,
  groups: [
    ...(cr.spec.alerts.length === 0
      ? []
      : [
          {
            orgId: 1,
            name: `${cr.metadata.name}-thresholds`,
            folder: 'CryptoStream',
            interval: '1m',
            rules: cr.spec.alerts.map((a) => thresholdRule(cr, a)),
          },
        ]),
    {
      orgId: 1,
      name: `${cr.metadata.name}-pipeline`,
      folder: 'CryptoStream',
      interval: '1m',
      rules: pipelineRules(cr).map(grafanaRule),
    },
  ],
});
