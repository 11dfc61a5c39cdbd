/**
 * Shared set-up of the pipeline tests on the real servers: a fresh topic prefix, consumer group and pair
 * of InfluxDB databases per test, the Binance test server, the producer and consumer run in-process, and
 * the stored points read back with InfluxQL (InfluxDB of `npm run services:up`, v2 API).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { InfluxDB } from '@influxdata/influxdb-client';
import { pino, type Logger } from 'pino';
import { makeKafka, makeProducer } from '../../../src/shell/kafka/client.ts';
import { ensureTopics, intervalTopics } from '../../../src/shell/kafka/topics.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { decodeCandle } from '../../../src/core/kline/message.ts';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { enrichedPoint, rawPoint, type Point } from '../../../src/core/points/point.ts';
import type { ConsumerConfig } from '../../../src/shell/consumer/consumer.ts';
import type { ProducerConfig } from '../../../src/shell/producer/producer.ts';
import { after, before } from 'node:test';
import {
  startBinanceServer,
  type BinanceServer,
  type BinanceServerOptions,
} from '../../support/binanceServer.ts';
import { services } from '../../support/services.ts';
import { poll } from '../../support/poll.ts';

export const SYMBOLS = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'] as const;

/** Ranges of the shared data: the 15m week and the 1h months (BTC has August too). */
export const RANGES = {
  '15m': { from: Date.UTC(2024, 8, 16), to: Date.UTC(2024, 8, 23) },
  '1h': { from: Date.UTC(2024, 7, 1), to: Date.UTC(2024, 9, 1) },
} as const;

export const quietLog = () => pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** The Kafka and InfluxDB a run talks to: those of `npm run services:up` unless a test starts its own. */
export type Endpoints = {
  readonly kafka: { readonly brokers: readonly string[] };
  readonly influx: { readonly url: string; readonly token: string; readonly org: string };
};

export type Run = {
  readonly id: string;
  readonly prefix: string;
  readonly group: string;
  readonly raw: string;
  readonly enriched: string;
  readonly endpoints: Endpoints;
};

/** A call to the InfluxDB HTTP API of the tests' endpoints; the answer's JSON (failing on any other status). */
export const influxApi = async (
  influx: Endpoints['influx'],
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> => {
  const response = await fetch(new URL(path, influx.url), {
    method,
    headers: { authorization: `Token ${influx.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`InfluxDB ${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
};

const createBucket = async (influx: Endpoints['influx'], name: string): Promise<string> => {
  const orgs = (await influxApi(influx, 'GET', `/api/v2/orgs?org=${encodeURIComponent(influx.org)}`)) as {
    orgs: { id: string }[];
  };
  const orgID = orgs.orgs[0]?.id;
  if (orgID === undefined) throw new Error(`InfluxDB org ${influx.org} not found`);
  const bucket = (await influxApi(influx, 'POST', '/api/v2/buckets', {
    orgID,
    name,
    retentionRules: [],
  })) as {
    id: string;
  };
  return bucket.id;
};

const bucketIds = new Map<string, string>();

/** A fresh run: unique Kafka names and two new InfluxDB buckets. */
export const newRun = async (endpoints: Endpoints = services()): Promise<Run> => {
  const id = randomUUID().slice(0, 8);
  const run = {
    id,
    prefix: `t${id}-prices-`,
    group: `t${id}-group`,
    raw: `t${id}_raw`,
    enriched: `t${id}_enriched`,
    endpoints,
  };
  for (const b of [run.raw, run.enriched]) bucketIds.set(b, await createBucket(endpoints.influx, b));
  return run;
};

export const dropRun = async (run: Run): Promise<void> => {
  for (const b of [run.raw, run.enriched]) {
    const id = bucketIds.get(b);
    if (id !== undefined) await influxApi(run.endpoints.influx, 'DELETE', `/api/v2/buckets/${id}`);
  }
};

export const flux = (run: Run, q: string): Promise<Record<string, unknown>[]> => {
  const { influx } = run.endpoints;
  return new InfluxDB({ url: influx.url, token: influx.token }).getQueryApi(influx.org).collectRows(q);
};

/** Kinds of stored points: `derived` ones (coarser candles a consumer aggregated) live in the raw bucket. */
export type StoredKind = 'raw' | 'enriched' | 'derived';

const bucketOf = (run: Run, kind: StoredKind): string => (kind === 'enriched' ? run.enriched : run.raw);

export const producerConfig = (
  run: Run,
  binance: BinanceServer,
  interval: Interval,
  symbols: readonly string[] = SYMBOLS,
): ProducerConfig => {
  const range = RANGES[interval as keyof typeof RANGES];
  return {
    symbols,
    intervals: [interval],
    brokers: run.endpoints.kafka.brokers,
    topicPrefix: run.prefix,
    binanceUrl: binance.url,
    from: range.from,
    fromExplicit: true,
    to: range.to,
    timeoutMs: 2000,
    partitions: 3,
  };
};

export const consumerConfig = (run: Run, interval: Interval): ConsumerConfig => {
  const { influx, kafka } = run.endpoints;
  return {
    interval,
    brokers: kafka.brokers,
    topicPrefix: run.prefix,
    groupId: `${run.group}-${interval}`,
    influx: { url: influx.url, token: influx.token, org: influx.org },
    bucketRaw: run.raw,
    bucketEnriched: run.enriched,
    indicators: defaultIndicatorConfig,
    partitions: 3,
  };
};

/** The candles the test server holds for a market inside the interval's range. */
export const expectedCandles = (
  binance: BinanceServer,
  symbol: string,
  interval: Interval,
): MarketCandle[] => {
  const range = RANGES[interval as keyof typeof RANGES];
  return binance
    .candles(symbol, interval)
    .filter((c) => c.openTime >= range.from && c.openTime < range.to)
    .map((c) => ({ ...c, symbol, interval }));
};

/** The points an uninterrupted run of the pure core writes for a series. */
export const expectedPoints = (candles: readonly MarketCandle[]): { raw: Point[]; enriched: Point[] } => {
  const e = enricher(defaultIndicatorConfig);
  let state = e.init;
  const enriched = candles.map((c) => {
    const [next, indicators] = e.step(state, c);
    state = next;
    return enrichedPoint(c, indicators);
  });
  return { raw: candles.map(rawPoint), enriched };
};

/**
 * The set-up of a describe block on the real servers: a Binance test server and a fresh run, ready when its
 * tests start and removed after them.
 */
export const binanceAndRun = (
  options: BinanceServerOptions = {},
): { readonly binance: BinanceServer; readonly run: Run } => {
  const fixture = {} as { binance: BinanceServer; run: Run };
  before(async () => {
    fixture.binance = await startBinanceServer(options);
    fixture.run = await newRun();
  });
  after(async () => {
    await fixture.binance.close();
    await dropRun(fixture.run).catch(() => undefined);
  });
  return fixture;
};

export type StoredRow = { time: number; fields: Record<string, number> };

const RANGE = 'range(start: 2017-01-01T00:00:00Z, stop: 2100-01-01T00:00:00Z)';
const NOT_FIELDS = new Set([
  'result',
  'table',
  '_start',
  '_stop',
  '_time',
  '_measurement',
  'coin',
  'interval',
  'type',
]);

/** Every stored point of a market and kind, in time order, with its fields. */
export const storedPoints = async (
  run: Run,
  symbol: string,
  interval: Interval,
  kind: StoredKind,
): Promise<StoredRow[]> => {
  const rows = await flux(
    run,
    `from(bucket: "${bucketOf(run, kind)}") |> ${RANGE}
    |> filter(fn: (r) => r._measurement == "kline" and r.coin == "${symbol}" and r.interval == "${interval}" and r.type == "${kind}")
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> group() |> sort(columns: ["_time"])`,
  );
  return rows.map((row) => {
    const fields: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) if (!NOT_FIELDS.has(k) && typeof v === 'number') fields[k] = v;
    return { time: Date.parse(String(row['_time'])), fields };
  });
};

/** Stored points of an interval and kind (all symbols). */
export const countStored = async (run: Run, interval: Interval, kind: StoredKind): Promise<number> => {
  const rows = await flux(
    run,
    `from(bucket: "${bucketOf(run, kind)}") |> ${RANGE}
    |> filter(fn: (r) => r._measurement == "kline" and r.interval == "${interval}" and r.type == "${kind}" and r._field == "close")
    |> group() |> count()`,
  );
  return (rows[0]?.['_value'] as number | undefined) ?? 0;
};

/** A point as the rows `storedPoints` returns. */
export const asRow = (p: Point): StoredRow => ({
  time: p.time,
  fields: Object.fromEntries(Object.entries(p.fields).map(([k, f]) => [k, f.value])),
});

/**
 * The check every pipeline test ends with: for each symbol, the stored raw points equal the served candles
 * and the stored enriched points equal an uninterrupted run of the pure core, point for point and field for
 * field (so counts are exact and nothing is stored twice).
 */
export const assertStoredExactly = async (
  run: Run,
  binance: BinanceServer,
  interval: Interval,
  symbols: readonly string[] = SYMBOLS,
): Promise<void> => {
  for (const symbol of symbols) {
    const expected = expectedPoints(expectedCandles(binance, symbol, interval));
    assert.deepEqual(
      await storedPoints(run, symbol, interval, 'raw'),
      expected.raw.map(asRow),
      `${symbol} raw`,
    );
    assert.deepEqual(
      await storedPoints(run, symbol, interval, 'enriched'),
      expected.enriched.map(asRow),
      `${symbol} enriched`,
    );
  }
};

/** Records of the run's topic of an interval that its consumer group has not committed yet (all partitions). */
export const groupLag = async (run: Run, interval: Interval): Promise<number> => {
  const { groupId, topicPrefix } = consumerConfig(run, interval);
  const topic = `${topicPrefix}${interval}`;
  const admin = makeKafka(run.endpoints.kafka.brokers, 'test-lag', quietLog()).admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, e) => sum + Number(e.high) - Math.max(0, at.get(e.partition) ?? 0), 0);
  } finally {
    await admin.disconnect();
  }
};

/** Members of the run's consumer group of an interval once the group is Stable (every member synced its assignment), else 0. */
export const stableMembers = async (run: Run, interval: Interval): Promise<number> => {
  const { groupId } = consumerConfig(run, interval);
  const admin = makeKafka(run.endpoints.kafka.brokers, 'test-group', quietLog()).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return group?.state === 'Stable' ? group.members.length : 0;
  } finally {
    await admin.disconnect();
  }
};

export type TopicRecord = {
  readonly key: string | undefined;
  /** The record's timestamp: when the producer published it. */
  readonly publishedAt: number;
  /** The decoded candle, or undefined for a record that does not decode. */
  readonly candle: MarketCandle | undefined;
};

/** Every record of the run's topic of an interval (all partitions, read from the beginning to the end). */
export const topicRecords = async (run: Run, interval: Interval): Promise<TopicRecord[]> => {
  const topic = `${run.prefix}${interval}`;
  const kafka = makeKafka(run.endpoints.kafka.brokers, 'test-reader', quietLog());
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${randomUUID().slice(0, 8)}` });
  const records: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString();
        const c = decodeCandle(message.value?.toString() ?? '', key);
        records.push({ key, publishedAt: Number(message.timestamp), candle: c.ok ? c.value : undefined });
      },
    });
    await waitFor(`${total} records in ${topic}`, async () => records.length >= total);
  } finally {
    await consumer.disconnect();
  }
  return records;
};

/** Polls `check` every 250 ms until it is true; a check that throws fails the wait. */
export const waitFor = async (
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> => {
  await poll(check, what, { timeoutMs, everyMs: 250, retryErrors: false });
};

/**
 * Publishes candles to the run's topic of an interval as the producer does (key = symbol, encoded value,
 * same partitioner), creating the topic and its dead-letter topic first (3 partitions, as the consumer
 * of `consumerConfig` would).
 */
export const publishCandles = async (
  run: Run,
  interval: Interval,
  candles: readonly MarketCandle[],
): Promise<void> => {
  const kafka = makeKafka(run.endpoints.kafka.brokers, 'test-publisher', quietLog());
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { data, dlq } = intervalTopics({ ...consumerConfig(run, interval) }, interval);
    await ensureTopics(admin, [data, dlq]);
  } finally {
    await admin.disconnect();
  }
  const producer = makeProducer(kafka);
  await producer.connect();
  try {
    for (let i = 0; i < candles.length; i += 500)
      await producer.send({
        topic: `${run.prefix}${interval}`,
        messages: candles.slice(i, i + 500).map((c) => encodeCandle(c, 'test')),
      });
  } finally {
    await producer.disconnect();
  }
};

/** A pino logger that keeps every record (parsed) in `records`, at `level` and above. */
export const capturingLog = (level = 'debug'): { log: Logger; records: Record<string, unknown>[] } => {
  const records: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) };
  return { log: pino({ level }, stream), records };
};

export type HeadersRecord = { readonly key: string | undefined; readonly headers: Record<string, string> };

/** Every record of a topic (key and headers as text), read from the beginning until `count` were read. */
export const readTopic = async (run: Run, topic: string, count: number): Promise<HeadersRecord[]> => {
  const kafka = makeKafka(run.endpoints.kafka.brokers, 'test-reader', quietLog());
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${randomUUID().slice(0, 8)}` });
  const records: HeadersRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        records.push({ key: message.key?.toString(), headers });
      },
    });
    await waitFor(`${count} records in ${topic}`, async () => records.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return records;
};
