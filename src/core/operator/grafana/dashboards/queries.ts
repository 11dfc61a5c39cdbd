import { ALERT_MEASUREMENT } from '../../../alerts/encode.ts';
import { MEASUREMENT } from '../../../points/point.ts';
import { PIPELINE_FIELDS, PIPELINE_MEASUREMENT } from '../../../points/pipeline.ts';

/*
 * The Flux of every panel and template variable. Grafana fills in, before InfluxDB sees the query:
 * `${name}` (dashboard variables, in the browser) and `v.timeRangeStart`, `v.timeRangeStop`,
 * `v.windowPeriod` (the time range and its interval, in Grafana's server), textually. Every panel reduces
 * its points to one per `v.windowPeriod` window, so a long range never pulls every stored point.
 *
 * Grafana's server replaces any `<letters>.<letters>` whose second word is one of its macros
 * (timeRangeStart, timeRangeStop, windowPeriod, bucket, defaultBucket, organization), whatever the first
 * word: no query may name a column `bucket` or `organization` (`r.bucket` would become a string).
 */

/** Dashboard variables: the two buckets (hidden constants), the market shown. */
export const VAR = {
  bucketRaw: 'bucket_raw',
  bucketEnriched: 'bucket_enriched',
  symbol: 'symbol',
  interval: 'interval',
} as const;

const ref = (name: string): string => `\${${name}}`;

const RANGE = '  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)';

/** Enriched points of the chosen market. */
const enriched = (): string =>
  [
    `from(bucket: "${ref(VAR.bucketEnriched)}")`,
    RANGE,
    `  |> filter(fn: (r) => r._measurement == "${MEASUREMENT}" and r.type == "enriched" and r.coin == "${ref(VAR.symbol)}" and r.interval == "${ref(VAR.interval)}")`,
  ].join('\n');

/**
 * Windows start where their candles start (`timeSrc: "_start"`): with a window of one candle, a row keeps
 * its candle's open time; with a longer one, the window's first candle's.
 */
const window = (fn: string, timeSrc: '_start' | '_stop' = '_start'): string =>
  `aggregateWindow(every: v.windowPeriod, fn: ${fn}, timeSrc: "${timeSrc}", createEmpty: false)`;

/** Rows in time order (a pivot of several tables keeps no order). */
const SORT = '  |> sort(columns: ["_time"])';

/**
 * Only the columns a pivot needs, in one order: InfluxDB 2.7's pivot mixes up the columns of tables whose
 * columns come in different orders (a selector's, `first`, and an aggregate's, `mean`, do), and gives rows
 * the wrong times.
 */
const keep = (columns: readonly string[]): string =>
  `  |> keep(columns: [${['_time', ...columns, '_value'].map((c) => `"${c}"`).join(', ')}])`;

/** One row per window, one column per field. */
const pivotFields = [
  '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
  SORT,
].join('\n');

/** Fields of the moving-average overlays: every SMA and EMA period, the Bollinger bands. */
export const OVERLAY_FIELDS = '/^(sma|ema)_[0-9]+$|^bb_(upper|middle|lower)$/';

/**
 * OHLCV per window (first open, highest high, lowest low, last close, summed volume) with the overlays'
 * mean, one row per window and one column per field (the candlestick panel reads open, high, low, close,
 * volume by name and draws every other number column as a line).
 */
export const candlesQuery = (): string =>
  [
    `data = ${enriched()}`,
    `candle = (field, agg) => data\n  |> filter(fn: (r) => r._field == field)\n  |> ${window('agg')}\n${keep(['_field'])}`,
    `overlays = data\n  |> filter(fn: (r) => r._field =~ ${OVERLAY_FIELDS})\n  |> ${window('mean')}\n${keep(['_field'])}`,
    [
      'union(tables: [',
      '  candle(field: "open", agg: first),',
      '  candle(field: "high", agg: max),',
      '  candle(field: "low", agg: min),',
      '  candle(field: "close", agg: last),',
      '  candle(field: "volume", agg: sum),',
      '  overlays,',
      '])',
      pivotFields,
    ].join('\n'),
  ].join('\n');

/** The indicator fields matching `fieldRegex`, their mean per window, one column per field. */
export const indicatorQuery = (fieldRegex: string): string =>
  [
    enriched(),
    `  |> filter(fn: (r) => r._field =~ ${fieldRegex})`,
    `  |> ${window('mean')}`,
    keep(['_field']),
    pivotFields,
  ].join('\n');

export const RSI_FIELDS = '/^rsi_[0-9]+$/';
export const MACD_FIELDS = '/^macd(_signal|_hist)?$/';
export const VOLATILITY_FIELDS = '/^(atr|volatility)_[0-9]+$/';
export const ADX_FIELDS = '/^adx_[0-9]+$/';

/**
 * Candles stored per window for the chosen market, by kind: the exchange's (`raw`), enriched, and those a
 * consumer derived from a finer interval (`derived`, in the raw bucket): a gap or a lagging kind shows.
 */
export const storedCandlesQuery = (): string => {
  const closes = (bucketVar: string) =>
    [
      `from(bucket: "${ref(bucketVar)}")`,
      `${RANGE}`,
      `  |> filter(fn: (r) => r._measurement == "${MEASUREMENT}" and r._field == "close" and r.coin == "${ref(VAR.symbol)}" and r.interval == "${ref(VAR.interval)}")`,
    ].join('\n');
  return [
    `raw = ${closes(VAR.bucketRaw)}`,
    `enriched = ${closes(VAR.bucketEnriched)}`,
    'union(tables: [raw, enriched])',
    `  |> ${window('count')}`,
    keep(['type']),
    '  |> pivot(rowKey: ["_time"], columnKey: ["type"], valueColumn: "_value")',
    SORT,
  ].join('\n');
};

/**
 * The alerts of the chosen market in the time range, for the market dashboard's annotation: the `alert`
 * points the consumers write to the enriched bucket (`alertLine`, src/core/alerts/encode.ts), one row per
 * alert with its time (the candle's open time) and its message. Grafana's annotation mapping takes the
 * column named `time`, else the first time column (`_time`), and the column named `text`, else the first
 * string column; the rows come as one table, without a group key (no labels in the column's name).
 */
export const alertsQuery = (): string =>
  [
    `from(bucket: "${ref(VAR.bucketEnriched)}")`,
    RANGE,
    `  |> filter(fn: (r) => r._measurement == "${ALERT_MEASUREMENT}" and r.symbol == "${ref(VAR.symbol)}" and r.interval == "${ref(VAR.interval)}" and r._field == "message")`,
    '  |> keep(columns: ["_time", "_value"])',
    '  |> rename(columns: {_value: "text"})',
    '  |> group()',
    SORT,
  ].join('\n');

/** Tag values of `kline` points of the enriched bucket in the dashboard's time range. */
const tagValues = (tag: string): string =>
  [
    'import "influxdata/influxdb/schema"',
    '',
    'schema.tagValues(',
    `  bucket: "${ref(VAR.bucketEnriched)}",`,
    `  tag: "${tag}",`,
    `  predicate: (r) => r._measurement == "${MEASUREMENT}" and r.type == "enriched",`,
    '  start: v.timeRangeStart,',
    '  stop: v.timeRangeStop,',
    ')',
  ].join('\n');

/** The stored symbols, in alphabetical order. */
export const symbolsQuery = (): string => tagValues('coin');

/** The stored intervals, shortest first (Grafana can sort a variable's values as text or numbers only). */
export const intervalsQuery = (): string =>
  [
    tagValues('interval'),
    '  |> map(fn: (r) => ({r with length: int(v: duration(v: r._value))}))',
    '  |> sort(columns: ["length"])',
    '  |> keep(columns: ["_value"])',
  ].join('\n');

/* Pipeline health: the `pipeline` measurement of the raw bucket (src/core/points/pipeline.ts). */

const pipeline = (fields: readonly string[]): string =>
  [
    `from(bucket: "${ref(VAR.bucketRaw)}")`,
    RANGE,
    `  |> filter(fn: (r) => r._measurement == "${PIPELINE_MEASUREMENT}" and (${fields.map((f) => `r._field == "${f}"`).join(' or ')}))`,
  ].join('\n');

/** The columns a pipeline panel draws a line of: per field and interval, or per field only. */
type Series = 'field' | 'field and interval';
const seriesColumns = (by: Series): string[] => (by === 'field' ? ['_field'] : ['_field', 'interval']);
const group = (columns: readonly string[]): string =>
  `  |> group(columns: [${columns.map((c) => `"${c}"`).join(', ')}])`;

/** One column per series (`stored_15m`, `binance_429`), one row per window. */
const pivotSeries = (by: Series): string =>
  [
    keep(seriesColumns(by)),
    `  |> pivot(rowKey: ["_time"], columnKey: [${seriesColumns(by)
      .map((c) => `"${c}"`)
      .join(', ')}], valueColumn: "_value")`,
    SORT,
  ].join('\n');

/** The per-report counts of `fields`, summed over symbols and replicas, as a rate per minute. */
export const perMinuteQuery = (fields: readonly string[]): string =>
  [
    pipeline(fields),
    group(seriesColumns('field and interval')),
    `  |> ${window('sum', '_stop')}`,
    '  |> map(fn: (r) => ({r with _value: float(v: r._value) * 60000000000.0 / float(v: int(v: v.windowPeriod))}))',
    pivotSeries('field and interval'),
  ].join('\n');

/** The per-report counts of `fields` summed per window (for rare events: dead letters, 429s). */
export const countQuery = (fields: readonly string[], by: Series): string =>
  [pipeline(fields), group(seriesColumns(by)), `  |> ${window('sum', '_stop')}`, pivotSeries(by)].join('\n');

/**
 * The per-report counts of one field summed per window over everything but the tags `columns`, one
 * column per combination of their values (`producer_close_15m` for role, field and interval, `volume_1h`
 * for field and interval).
 */
const countByTags = (field: string, columns: readonly string[]): string =>
  [
    pipeline([field]),
    group(columns),
    `  |> ${window('sum', '_stop')}`,
    keep(columns),
    `  |> pivot(rowKey: ["_time"], columnKey: [${columns.map((c) => `"${c}"`).join(', ')}], valueColumn: "_value")`,
    SORT,
  ].join('\n');

/**
 * Dead letters per window by who sent them, the field at fault (`dead_letters_by_field`, tag `field`) and
 * interval, all markets: `producer_close_15m` (kline rows from Binance), `consumer_openTime_15m` (records,
 * e.g. InfluxDB refused their points as outside the retention), `consumer_record_1h` (unreadable records).
 */
export const deadLettersByFieldQuery = (): string =>
  countByTags(PIPELINE_FIELDS.deadLettersByField, ['role', 'field', 'interval']);

/** Derived candles compared with the exchange's per window, by outcome and derived interval (`derived_match_1h`). */
export const derivationOutcomesQuery = (): string =>
  countQuery(
    [PIPELINE_FIELDS.derivedMatch, PIPELINE_FIELDS.derivedMismatch, PIPELINE_FIELDS.derivedUnverified],
    'field and interval',
  );

/** Fields in which derived candles differed from the exchange's per window, by derived interval (`volume_1h`). */
export const derivationMismatchesQuery = (): string =>
  countByTags(PIPELINE_FIELDS.derivationMismatches, ['field', 'interval']);

/**
 * End-to-end latency per interval: the mean of the reported medians and the highest reported 99th
 * percentile of each window (an upper bound of the window's p99).
 */
export const latencyQuery = (): string =>
  [
    `data = ${pipeline([PIPELINE_FIELDS.latencyP50, PIPELINE_FIELDS.latencyP99])}`,
    group(seriesColumns('field and interval')),
    'union(tables: [',
    `  data |> filter(fn: (r) => r._field == "${PIPELINE_FIELDS.latencyP50}") |> ${window('mean', '_stop')},`,
    `  data |> filter(fn: (r) => r._field == "${PIPELINE_FIELDS.latencyP99}") |> ${window('max', '_stop')},`,
    '])',
    pivotSeries('field and interval'),
  ].join('\n');

/**
 * A gauge every replica of a worker reports, per window: `sum` adds up the replicas' highest values
 * (consumer lag: each replica reports its own partitions), `max` takes the highest (Binance's used weight: a
 * count of the whole IP).
 */
export const gaugeQuery = (field: string, across: 'sum' | 'max', by: Series): string =>
  [
    pipeline([field]),
    group([...seriesColumns(by), 'instance']),
    `  |> ${window('max', '_stop')}`,
    group([...seriesColumns(by), '_time']),
    `  |> ${across}()`,
    group(seriesColumns(by)),
    pivotSeries(by),
  ].join('\n');
