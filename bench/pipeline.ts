/**
 * Pipeline throughput and latency through the real Kafka and InfluxDB of `npm run services:up` (not a
 * test: `npm run bench:pipeline`; figures go to docs/pipeline.md).
 *
 * 1. Throughput: N candles (the real 15m candles of BTC, ETH, XRP and SOL, replayed under many synthetic
 *    symbols) are published first, then one consumer (the production code, in this process) drains the
 *    topic: validate, enrich, write raw + enriched points and state snapshots, commit. Candles/s = N / time.
 * 2. Latency: a steady 2,000 candles/s (every USDC pair on Binance at 1s) for BENCH_SECONDS; latency =
 *    from the Kafka record timestamp (publish) to the batch stored in InfluxDB and committed.
 * RSS is the whole process (consumer + load generator), so it bounds the consumer's.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { pino } from 'pino';
import type { Candle } from '../src/core/kline/candle.ts';
import { encodeCandle } from '../src/core/kline/message.ts';
import { fromRestRow } from '../src/core/kline/rest.ts';
import { startConsumer } from '../src/shell/consumer/consumer.ts';
import { ensureTopics, makeKafka } from '../src/shell/kafka/client.ts';
import { consumerConfig, dropRun, newRun } from '../test/shell/pipeline/harness.ts';
import { services } from '../test/support/services.ts';

const DATA = new URL('../../shared/data/binance/', import.meta.url).pathname;
const TOTAL = Number(process.env['BENCH_CANDLES'] ?? 200_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 2000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const PARTITIONS = 6;

const series = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'].map((s) =>
  (JSON.parse(readFileSync(join(DATA, s, '15m', `${s}-15m-week-2024-09-16.json`), 'utf8')) as unknown[]).map(
    (row) => {
      const r = fromRestRow(row);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    },
  ),
);

/** Candle `i` of synthetic symbol `k`: the real series shifted by whole weeks so open times keep increasing. */
const candleOf = (k: number, i: number): Candle => {
  const base = series[k % 4]!;
  const c = base[i % base.length]!;
  const shift = Math.floor(i / base.length) * 7 * 86_400_000;
  return { ...c, openTime: c.openTime + shift, closeTime: c.closeTime + shift };
};
const symbolOf = (k: number): string => `S${String(k).padStart(4, '0')}USDC`;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

const log = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' });
const { kafka: k, influx } = services();
const kafka = makeKafka(k.brokers, 'bench', log);
const run = await newRun();
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const admin = kafka.admin();
await admin.connect();
let peakRss = 0;
const rss = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

const consumerFor = (interval: '15m' | '1h', onStored: Parameters<typeof startConsumer>[2]) =>
  startConsumer({ ...consumerConfig(run, interval), partitions: PARTITIONS }, log, onStored);

try {
  // 1. Throughput.
  const topic = `${run.prefix}15m`;
  await ensureTopics(admin, [topic, `${topic}-dlq`], PARTITIONS);
  const symbols = 500;
  const perSymbol = Math.ceil(TOTAL / symbols);
  for (let i = 0; i < perSymbol; i += 20) {
    const messages = [];
    for (let k2 = 0; k2 < symbols; k2++)
      for (let j = i; j < Math.min(i + 20, perSymbol); j++) {
        const m = encodeCandle({ ...candleOf(k2, j), symbol: symbolOf(k2), interval: '15m' }, 'bench');
        messages.push({ key: m.key, value: m.value, headers: { ...m.headers } });
      }
    await producer.send({ topic, messages });
  }
  const total = symbols * perSymbol;
  process.stderr.write(`published ${total} candles; draining with one consumer…\n`);
  let stored = 0;
  const started = performance.now();
  let done: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (done = resolve));
  const consumer = await consumerFor('15m', ({ publishedAt }) => {
    stored += publishedAt.length;
    if (stored >= total) done();
  });
  await drained;
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  const throughputRss = peakRss;

  // 2. Latency at a steady rate, on a fresh topic.
  const latencyTopic = `${run.prefix}1h`;
  await ensureTopics(admin, [latencyTopic, `${latencyTopic}-dlq`], PARTITIONS);
  const latencies: number[] = [];
  const steady = await consumerFor('1h', ({ publishedAt, storedAt }) => {
    for (const t of publishedAt) latencies.push(storedAt - t);
  });
  const hourly = series.map((s) =>
    s.filter((c) => c.openTime % 3_600_000 === 0).map((c) => ({ ...c, closeTime: c.openTime + 3_599_999 })),
  );
  const tick = 100;
  const perTick = Math.round((RATE * tick) / 1000);
  const ticks = (SECONDS * 1000) / tick;
  const begin = performance.now();
  for (let t = 0; t < ticks; t++) {
    const messages = [];
    for (let j = 0; j < perTick; j++) {
      const n = t * perTick + j;
      const k2 = n % 2000;
      const i = Math.floor(n / 2000);
      const base = hourly[k2 % 4]!;
      const c = base[i % base.length]!;
      const m = encodeCandle(
        {
          ...c,
          openTime: c.openTime + Math.floor(i / base.length) * 7 * 86_400_000,
          closeTime: c.closeTime + Math.floor(i / base.length) * 7 * 86_400_000,
          symbol: symbolOf(k2),
          interval: '1h',
        },
        'bench',
      );
      messages.push({ key: m.key, value: m.value, headers: { ...m.headers } });
    }
    await producer.send({ topic: latencyTopic, messages });
    const next = begin + (t + 1) * tick;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const sent = ticks * perTick;
  const deadline = Date.now() + 60_000;
  while (latencies.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await steady.stop();

  const cpu = cpus();
  const report = {
    machine: `${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka ${k.version}, InfluxDB ${influx.version}`,
    throughput: {
      candles: total,
      seconds: Number(seconds.toFixed(2)),
      candlesPerSecond: Math.round(total / seconds),
    },
    latency: {
      rate: RATE,
      seconds: SECONDS,
      sent,
      stored: latencies.length,
      p50ms: percentile(latencies, 50),
      p99ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
    },
    peakRssMb: { throughput: Math.round(throughputRss / 2 ** 20), overall: Math.round(peakRss / 2 ** 20) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  clearInterval(rss);
  await producer.disconnect();
  await admin
    .deleteTopics({
      topics: [`${run.prefix}15m`, `${run.prefix}15m-dlq`, `${run.prefix}1h`, `${run.prefix}1h-dlq`],
    })
    .catch(() => undefined);
  await admin.disconnect();
  await dropRun(run).catch(() => undefined);
}
