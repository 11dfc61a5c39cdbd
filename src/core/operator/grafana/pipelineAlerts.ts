import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { intervalMs } from '../../kline/interval.ts';
import type { Interval } from '../../kline/interval.ts';
import { MEASUREMENT } from '../../points/point.ts';
import { BUCKET_RAW } from '../names.ts';
import type { RuleSpec } from './alerts.ts';
import { shortHash } from './flux.ts';
import { PIPELINE_FIELDS, PIPELINE_MEASUREMENT } from '../../points/pipeline.ts';

/**
 * The pipeline's own alerts, one Grafana rule each, on what the workers store in the raw bucket: the raw
 * candles (src/core/points) and the `pipeline` measurement (src/core/points/pipeline.ts). Every query is proven on
 * the real InfluxDB by test/shell/grafana/alerts.test.ts.
 */

/** A symbol is stale once its newest stored candle closed more than this many intervals ago. */
export const STALE_INTERVALS = 3;

/** The window of the dead-letter and ban rules. */
export const PIPELINE_WINDOW_SECONDS = 15 * 60;

const uid = (cr: CryptoStream, what: string): string =>
  `cs-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}/pipeline/${what}`)}`;

/** How far back the stale rule looks: a symbol with nothing stored in it counts as stale. */
export const staleLookback = (interval: Interval): number =>
  Math.max(3600, (10 * intervalMs[interval]) / 1000);

/**
 * Per symbol of the stream (every one of spec.symbols, stored or not): the intervals since its newest raw
 * candle of `interval` closed, `(now − open time) / interval − 1`; a symbol with no candle in the lookback
 * counts as if its newest opened at the lookback's start. One series per symbol (label `symbol`). (A
 * union, not a join: Flux's joins fail on an empty side, and a stream whose candles all stopped is the
 * case that matters.)
 */
export const staleQuery = (symbols: readonly string[], interval: Interval): string => {
  const lookback = staleLookback(interval);
  const ns = `${intervalMs[interval]}000000`;
  return [
    'import "array"',
    '',
    `since = int(v: now()) - ${lookback * 1000}000000`,
    `expected = array.from(rows: [${symbols.map((s) => `{symbol: "${s}", _value: since}`).join(', ')}])`,
    `newest = from(bucket: "${BUCKET_RAW}")`,
    `  |> range(start: -${lookback}s)`,
    `  |> filter(fn: (r) => r._measurement == "${MEASUREMENT}" and r.type == "raw" and r.interval == "${interval}" and r._field == "close")`,
    '  |> group(columns: ["coin"])',
    '  |> last()',
    '  |> group()',
    '  |> map(fn: (r) => ({symbol: r.coin, _value: int(v: r._time)}))',
    'union(tables: [expected, newest])',
    '  |> group(columns: ["symbol"])',
    '  |> max()',
    `  |> map(fn: (r) => ({symbol: r.symbol, _time: now(), _value: float(v: int(v: now()) - r._value) / ${ns}.0 - 1.0}))`,
  ].join('\n');
};

/** Per interval: the dead letters the workers reported in the window (label `interval`). */
export const deadLetterQuery = (): string =>
  [
    `from(bucket: "${BUCKET_RAW}")`,
    `  |> range(start: -${PIPELINE_WINDOW_SECONDS}s)`,
    `  |> filter(fn: (r) => r._measurement == "${PIPELINE_MEASUREMENT}" and r._field == "${PIPELINE_FIELDS.deadLetters}")`,
    '  |> group(columns: ["interval"])',
    '  |> sum()',
    '  |> map(fn: (r) => ({r with _time: now(), _value: float(v: r._value)}))',
  ].join('\n');

/** The answers 418 (IP banned) Binance gave the producer in the window. */
export const bannedQuery = (): string =>
  [
    `from(bucket: "${BUCKET_RAW}")`,
    `  |> range(start: -${PIPELINE_WINDOW_SECONDS}s)`,
    `  |> filter(fn: (r) => r._measurement == "${PIPELINE_MEASUREMENT}" and r.role == "producer" and r._field == "${PIPELINE_FIELDS.binance418}")`,
    '  |> group()',
    '  |> sum()',
    '  |> map(fn: (r) => ({_time: now(), _value: float(v: r._value)}))',
  ].join('\n');

/** The stream's pipeline rules: one stale-candles rule per interval, the dead letters, Binance's bans. */
export const pipelineRules = (cr: CryptoStream): RuleSpec[] => {
  const stream = cr.metadata.name;
  const labels = { stream, alert: 'pipeline' };
  return [
    ...cr.spec.intervals.map((i): RuleSpec => ({
      uid: uid(cr, `stale-${i}`),
      title: `${stream} no ${i} candles`,
      query: staleQuery(cr.spec.symbols, i),
      lookback: staleLookback(i),
      evaluator: { type: 'gt', params: [STALE_INTERVALS] },
      noDataState: 'NoData',
      labels: { ...labels, interval: i },
      summary: `No ${i} candle stored for a symbol for more than ${STALE_INTERVALS} intervals`,
    })),
    {
      uid: uid(cr, 'dead-letters'),
      title: `${stream} dead letters`,
      query: deadLetterQuery(),
      lookback: PIPELINE_WINDOW_SECONDS,
      evaluator: { type: 'gt', params: [0] },
      noDataState: 'OK',
      labels,
      summary: 'The workers sent records to a dead-letter topic in the last 15 minutes',
    },
    {
      uid: uid(cr, 'binance-418'),
      title: `${stream} Binance ban`,
      query: bannedQuery(),
      lookback: PIPELINE_WINDOW_SECONDS,
      evaluator: { type: 'gt', params: [0] },
      noDataState: 'OK',
      labels,
      summary: 'Binance answered 418: the IP of the producer is banned',
    },
  ];
};
