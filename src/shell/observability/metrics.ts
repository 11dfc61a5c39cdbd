import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Worker metrics (Prometheus). One registry per process: `cryptostream local` runs several workers in
 * one process and they share it, told apart by their `interval` and `symbol` labels.
 */
const make = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cryptostream_' });
  const r = [registry];
  return {
    registry,
    fetched: new Counter({
      name: 'cryptostream_candles_fetched_total',
      help: 'Closed candles received from Binance.',
      labelNames: ['symbol', 'interval'] as const,
      registers: r,
    }),
    published: new Counter({
      name: 'cryptostream_candles_published_total',
      help: 'Candles published to Kafka.',
      labelNames: ['symbol', 'interval'] as const,
      registers: r,
    }),
    binanceRequests: new Counter({
      name: 'cryptostream_binance_requests_total',
      help: 'Requests to Binance by outcome (klines, rate-limited, banned, retryable, fatal).',
      labelNames: ['outcome'] as const,
      registers: r,
    }),
    rateLimited: new Counter({
      name: 'cryptostream_binance_rate_limited_total',
      help: 'Binance answers 429 (rate limit) and 418 (IP ban), by status.',
      labelNames: ['status'] as const,
      registers: r,
    }),
    usedWeight: new Gauge({
      name: 'cryptostream_binance_used_weight',
      help: 'The last x-mbx-used-weight-1m Binance reported.',
      registers: r,
    }),
    rejectedKlines: new Counter({
      name: 'cryptostream_binance_rejected_klines_total',
      help: 'Kline rows Binance served that are not valid candles (sent to the dead-letter topic), by the field at fault.',
      labelNames: ['interval', 'field'] as const,
      registers: r,
    }),
    serverClockOffset: new Gauge({
      name: 'cryptostream_binance_clock_offset_seconds',
      help: "Binance's clock minus this host's, as last measured with GET /api/v3/time.",
      registers: r,
    }),
    streamConnections: new Counter({
      name: 'cryptostream_binance_stream_connections_total',
      help: 'WebSocket connections to the Binance kline streams, by how they ended (opened, closed by Binance, renewed before the 24 h cut, failed, silent).',
      labelNames: ['event'] as const,
      registers: r,
    }),
    streamUp: new Gauge({
      name: 'cryptostream_binance_streams_connected',
      help: 'Open WebSocket connections to the Binance kline streams.',
      registers: r,
    }),
    streamFinals: new Counter({
      name: 'cryptostream_binance_stream_finals_total',
      help: 'Closing kline events (k.x = true) received, by what became of them (published, late: REST had it already, unreadable).',
      labelNames: ['interval', 'outcome'] as const,
      registers: r,
    }),
    resent: new Counter({
      name: 'cryptostream_kafka_resent_records_total',
      help: 'Records sent again after a failed send: each may be a duplicate in the topic (the consumers store it once).',
      labelNames: ['interval'] as const,
      registers: r,
    }),
    consumed: new Counter({
      name: 'cryptostream_candles_consumed_total',
      help: 'Kafka records consumed (valid or not).',
      labelNames: ['interval'] as const,
      registers: r,
    }),
    written: new Counter({
      name: 'cryptostream_candles_written_total',
      help: 'Points InfluxDB accepted, by kind (raw, enriched).',
      labelNames: ['interval', 'kind'] as const,
      registers: r,
    }),
    deadLetters: new Counter({
      name: 'cryptostream_dead_letters_total',
      help: 'Invalid records sent to the dead-letter topic, by the field at fault.',
      labelNames: ['interval', 'field'] as const,
      registers: r,
    }),
    derived: new Counter({
      name: 'cryptostream_derived_candles_total',
      help: 'Coarser candles the consumer derived from its own, by outcome of the comparison with the exchange candle (match, mismatch, unverified: none stored in time).',
      labelNames: ['interval', 'outcome'] as const,
      registers: r,
    }),
    derivedMismatchFields: new Counter({
      name: 'cryptostream_derivation_mismatches_total',
      help: 'Fields in which a derived candle differs from the exchange candle (data quality).',
      labelNames: ['interval', 'field'] as const,
      registers: r,
    }),
    derivationEvents: new Counter({
      name: 'cryptostream_derivation_events_total',
      help: 'Gaps and buckets that could not close while deriving coarser candles, by kind.',
      labelNames: ['interval', 'kind'] as const,
      registers: r,
    }),
    rewinds: new Counter({
      name: 'cryptostream_rewinds_total',
      help: 'Symbols whose candles behind their indicator state were missing from the enriched bucket: rewound and enriched again, or stored raw only (their snapshot unreadable). Counted per try of a batch.',
      labelNames: ['interval', 'outcome'] as const,
      registers: r,
    }),
    rewoundPoints: new Counter({
      name: 'cryptostream_rewound_points_total',
      help: 'Enriched points written by rewinds: the missing candles (filled) and the points after them (rewritten).',
      labelNames: ['interval', 'kind'] as const,
      registers: r,
    }),
    influxFailures: new Counter({
      name: 'cryptostream_influx_write_failures_total',
      help: 'Failed InfluxDB requests (each retried with backoff).',
      registers: r,
    }),
    endToEnd: new Histogram({
      name: 'cryptostream_end_to_end_latency_seconds',
      help: 'From the candle close to the point stored in InfluxDB.',
      labelNames: ['interval'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86_400],
      registers: r,
    }),
    pipelineLatency: new Histogram({
      name: 'cryptostream_publish_to_stored_latency_seconds',
      help: 'From the Kafka record timestamp (publish) to the point stored in InfluxDB.',
      labelNames: ['interval'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    lag: new Gauge({
      name: 'cryptostream_consumer_lag',
      help: 'Records behind the partition end after the last batch.',
      labelNames: ['topic', 'partition'] as const,
      registers: r,
    }),
    batchSize: new Histogram({
      name: 'cryptostream_batch_size',
      help: 'Records per consumed batch.',
      labelNames: ['interval'] as const,
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10_000],
      registers: r,
    }),
  };
};

export type Metrics = ReturnType<typeof make>;

let instance: Metrics | undefined;

/** The process's metrics (created on first use). */
export const metrics = (): Metrics => (instance ??= make());
