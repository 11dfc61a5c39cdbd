import type { Interval } from '../kline/interval.ts';
import type { FieldValue, Point } from './point.ts';

/*
 * The `pipeline` measurement: how the workers are doing, written by every producer and consumer to the raw
 * bucket next to the candles, read by the pipeline-health dashboard (src/core/operator/grafana/dashboards/pipeline.ts).
 *
 * Every worker writes a report every PIPELINE_REPORT_MS (and a last one when it stops): one point per
 * market it handled (tags role, interval, symbol, instance) and one for the worker itself: the producer's,
 * one process for every interval, with its exchanges with Binance (tags role, instance: Binance counts
 * weight per IP, not per interval), a consumer's with its interval (tags role, interval, instance). Counts
 * are what happened since the worker's previous report (0 included), so a window's total is the sum of its
 * reports and a restart loses nothing; gauges are the value at the report. `instance` is the pod's name (os.hostname()): two replicas of a consumer never write the same
 * series. Time: the report's, in epoch milliseconds (write with `precision=ms`).
 *
 * Besides, the reasons: the dead letters of a report by the field at fault (tag `field`, see `faultField`),
 * per market for the producer and per replica for a consumer, each field's point only when it counted one
 * (a missing field is a 0: the fields at fault are many and rarely seen); and, for a consumer that derives
 * coarser candles (`--derive`), the derived candles compared with the exchange's by outcome, per derived
 * interval (0 included), and their mismatching fields (tag `field`, only those that counted one).
 */

export const PIPELINE_MEASUREMENT = 'pipeline';

/** How often a worker reports. */
export const PIPELINE_REPORT_MS = 10_000;

export type PipelineRole = 'producer' | 'consumer';

/** Field names, each written by one role at one scope (see the report types below). */
export const PIPELINE_FIELDS = {
  // producer, per market
  fetched: 'fetched',
  published: 'published',
  // producer per market, consumer per worker
  deadLetters: 'dead_letters',
  // producer, per process (every interval)
  binanceWeight: 'binance_weight',
  binance429: 'binance_429',
  binance418: 'binance_418',
  // consumer, per market
  stored: 'stored',
  latencyP50: 'latency_p50_ms',
  latencyP99: 'latency_p99_ms',
  // consumer, per worker
  lag: 'lag',
  // producer per market, consumer per worker, tag `field`: `dead_letters` by the field at fault
  deadLettersByField: 'dead_letters_by_field',
  // consumer, per derived interval: derived candles by outcome of the comparison with the exchange's
  derivedMatch: 'derived_match',
  derivedMismatch: 'derived_mismatch',
  derivedUnverified: 'derived_unverified',
  // consumer, per derived interval, tag `field`: fields in which a derived candle differs
  derivationMismatches: 'derivation_mismatches',
} as const;

/**
 * The tag value of the field at fault of a dead letter (the `field` label of the metrics; its `error-field`
 * header): the candle field named by its problem, `record` when the problem names none (an unreadable
 * record, a wrong key; a tag value cannot be empty).
 */
export const faultField = (field: string | undefined): string =>
  field === undefined || field === '' ? 'record' : field;

/** Counts per field (at fault, or mismatching) since the previous report; fields of count 0 are left out. */
export type FieldCounts = Readonly<Record<string, number>>;

/** A consumer's derived candles of one coarser interval compared since its previous report, by outcome. */
export type DerivationReport = {
  /** Equal to the exchange candle in every compared field. */
  readonly match: number;
  /** Different in at least one field. */
  readonly mismatch: number;
  /** No exchange candle stored in time to compare with. */
  readonly unverified: number;
};

/** What a producer did for one market since its previous report. */
export type ProducerMarketReport = {
  /** Closed candles received from Binance (REST and WebSocket), like `cryptostream_candles_fetched_total`. */
  readonly fetched: number;
  /** Candles Kafka acknowledged, like `cryptostream_candles_published_total`. */
  readonly published: number;
  /** Kline rows Binance served that are no valid candle, sent to the dead-letter topic. */
  readonly deadLetters: number;
};

/** A producer's exchanges with Binance since its previous report, for all its intervals. */
export type ProducerReport = {
  /** The last `x-mbx-used-weight-1m` Binance sent (a gauge); absent when no answer carried one. */
  readonly binanceWeight?: number;
  /** Answers 429 (rate limited) and 418 (IP banned). */
  readonly binance429: number;
  readonly binance418: number;
};

/** What a consumer stored for one market since its previous report. */
export type ConsumerMarketReport = {
  /** Candles whose raw and enriched points InfluxDB accepted. */
  readonly stored: number;
  /**
   * Median and 99th percentile, in milliseconds, of the end-to-end latency of those candles (candle close
   * to stored, like `cryptostream_end_to_end_latency_seconds`); absent when none was stored.
   */
  readonly latencyP50Ms?: number;
  readonly latencyP99Ms?: number;
};

/** A consumer's state and dead letters since its previous report. */
export type ConsumerReport = {
  /** Records behind the end of its assigned partitions (a gauge). */
  readonly lag: number;
  /** Records sent to the dead-letter topic. */
  readonly deadLetters: number;
};

const int = (value: number): FieldValue => ({ type: 'integer', value });
const float = (value: number): FieldValue => ({ type: 'float', value });

const point = (
  tags: Record<string, string>,
  fields: Record<string, FieldValue | undefined>,
  time: number,
): Point => ({
  measurement: PIPELINE_MEASUREMENT,
  tags,
  fields: Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, FieldValue] => e[1] !== undefined),
  ),
  time,
});

const marketTags = (role: PipelineRole, interval: Interval, symbol: string, instance: string) => ({
  role,
  interval,
  symbol,
  instance,
});

const optional = (value: number | undefined, as: (v: number) => FieldValue): FieldValue | undefined =>
  value === undefined || !Number.isFinite(value) ? undefined : as(value);

export const producerMarketPoint = (
  interval: Interval,
  instance: string,
  symbol: string,
  r: ProducerMarketReport,
  time: number,
): Point =>
  point(
    marketTags('producer', interval, symbol, instance),
    {
      [PIPELINE_FIELDS.fetched]: int(r.fetched),
      [PIPELINE_FIELDS.published]: int(r.published),
      [PIPELINE_FIELDS.deadLetters]: int(r.deadLetters),
    },
    time,
  );

export const producerPoint = (instance: string, r: ProducerReport, time: number): Point =>
  point(
    { role: 'producer', instance },
    {
      [PIPELINE_FIELDS.binanceWeight]: optional(r.binanceWeight, int),
      [PIPELINE_FIELDS.binance429]: int(r.binance429),
      [PIPELINE_FIELDS.binance418]: int(r.binance418),
    },
    time,
  );

export const consumerMarketPoint = (
  interval: Interval,
  instance: string,
  symbol: string,
  r: ConsumerMarketReport,
  time: number,
): Point =>
  point(
    marketTags('consumer', interval, symbol, instance),
    {
      [PIPELINE_FIELDS.stored]: int(r.stored),
      [PIPELINE_FIELDS.latencyP50]: optional(r.latencyP50Ms, float),
      [PIPELINE_FIELDS.latencyP99]: optional(r.latencyP99Ms, float),
    },
    time,
  );

export const consumerPoint = (interval: Interval, instance: string, r: ConsumerReport, time: number): Point =>
  point(
    { role: 'consumer', interval, instance },
    { [PIPELINE_FIELDS.lag]: int(r.lag), [PIPELINE_FIELDS.deadLetters]: int(r.deadLetters) },
    time,
  );

/** One point per field of `byField` that counted one: the tags `tagsOf(field)`, the count in `name`. */
const fieldCountPoints = (
  tagsOf: (field: string) => Record<string, string>,
  name: string,
  byField: FieldCounts,
  time: number,
): Point[] =>
  Object.entries(byField)
    .filter(([, n]) => n > 0)
    .map(([field, n]) => point(tagsOf(field), { [name]: int(n) }, time));

/**
 * The dead letters of a report by the field at fault (`faultField`), one point per field that counted one:
 * a producer's per market (`symbol`), a consumer's per replica (no `symbol`).
 */
export const deadLetterFieldPoints = (
  role: PipelineRole,
  interval: Interval,
  instance: string,
  symbol: string | undefined,
  byField: FieldCounts,
  time: number,
): Point[] =>
  fieldCountPoints(
    (field) => ({
      role,
      interval,
      ...(symbol === undefined ? {} : { symbol }),
      field: faultField(field),
      instance,
    }),
    PIPELINE_FIELDS.deadLettersByField,
    byField,
    time,
  );

/**
 * A consumer's derived candles of `interval` (the derived, coarser one, as the metrics label it) compared
 * with the exchange's since its previous report, by outcome.
 */
export const derivationPoint = (
  interval: Interval,
  instance: string,
  r: DerivationReport,
  time: number,
): Point =>
  point(
    { role: 'consumer', interval, instance },
    {
      [PIPELINE_FIELDS.derivedMatch]: int(r.match),
      [PIPELINE_FIELDS.derivedMismatch]: int(r.mismatch),
      [PIPELINE_FIELDS.derivedUnverified]: int(r.unverified),
    },
    time,
  );

/** The fields in which derived candles of `interval` differed from the exchange's, one point per field. */
export const derivationMismatchPoints = (
  interval: Interval,
  instance: string,
  byField: FieldCounts,
  time: number,
): Point[] =>
  fieldCountPoints(
    (field) => ({ role: 'consumer', interval, field, instance }),
    PIPELINE_FIELDS.derivationMismatches,
    byField,
    time,
  );

/**
 * The nearest-rank percentile (0 < p ≤ 100) of a period's latencies, for `ConsumerMarketReport`;
 * undefined for none.
 */
export const percentile = (values: readonly number[], p: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
};
