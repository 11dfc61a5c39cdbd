/**
 * Live 1s latency, from a candle's close to its point stored in InfluxDB (not a test: `npm run bench:live`;
 * figures go to docs/pipeline.md, "Live latency").
 *
 * The Binance test server replays recorded candles as live 1s candles of BTC, ETH, XRP and SOL and serves
 * their WebSocket kline streams as Binance does (updates, then the closing event right after the close).
 * The producer and the consumer are the real CLI in child processes (the build in dist/, as the image runs
 * it), on the real Kafka and InfluxDB of `npm run services:up`. Every candle published after the warm-up
 * counts: close → published (the Kafka record timestamp) and close → stored (the consumer's log line of the
 * batch that stored and committed it). All clocks are this host's.
 *
 * Settings: BENCH_SECONDS (120), BENCH_WARMUP_SECONDS (10).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { pino } from 'pino';
import { decodeCandle } from '../src/core/kline/message.ts';
import { makeKafka } from '../src/shell/kafka/client.ts';
import { dropRun, newRun, SYMBOLS } from '../test/shell/pipeline/harness.ts';
import { startBinanceServer } from '../test/support/binanceServer.ts';
import { services } from '../test/support/services.ts';
import { ours, percentile } from './consumerProcess.ts';

const CLI = new URL('../bin/cryptostream.js', import.meta.url).pathname;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 120);
const WARMUP = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);

const log = pino({ level: 'warn' });
const { kafka: k } = services();
const run = await newRun();
const epoch = Math.floor(Date.now() / 1000) * 1000 - 2000;
const binance = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
const consumer = ours(run, '1s', `${run.prefix}live`, k.brokers);

const producer = spawn(process.execPath, [CLI, 'producer'], {
  env: {
    ...process.env,
    CRYPTOSTREAM_INTERVALS: '1s',
    CRYPTOSTREAM_SYMBOLS: SYMBOLS.join(','),
    CRYPTOSTREAM_KAFKA_BROKERS: k.brokers.join(','),
    CRYPTOSTREAM_TOPIC_PREFIX: run.prefix,
    CRYPTOSTREAM_BINANCE_URL: binance.url,
    CRYPTOSTREAM_BACKFILL_FROM: new Date(epoch).toISOString(),
    CRYPTOSTREAM_HTTP_PORT: '0',
    CRYPTOSTREAM_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const producerExited = new Promise<void>((resolve) => producer.on('exit', () => resolve()));
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
producer.kill('SIGTERM');
await producerExited;

/** Every published record: its partition and offset, its candle's close and its publish time. */
const records: { partition: number; offset: number; closeTime: number; publishedAt: number }[] = [];
const kafka = makeKafka(k.brokers, 'bench-live', log);
const admin = kafka.admin();
await admin.connect();
const topic = `${run.prefix}1s`;
const ends = await admin.fetchTopicOffsets(topic);
await admin.disconnect();
const total = ends.reduce((n, e) => n + Number(e.high), 0);
await consumer.storedAll(total, 120_000);
await consumer.stop();
const reader = kafka.consumer({ groupId: `${run.prefix}reader` });
await reader.connect();
await reader.subscribe({ topics: [topic], fromBeginning: true });
await new Promise<void>((resolve) => {
  void reader.run({
    eachMessage: async ({ partition, message }) => {
      const candle = decodeCandle(message.value?.toString() ?? '', message.key?.toString());
      if (candle.ok)
        records.push({
          partition,
          offset: Number(message.offset),
          closeTime: candle.value.closeTime,
          publishedAt: Number(message.timestamp),
        });
      if (records.length >= total) resolve();
    },
  });
});
await reader.disconnect();

const storedAt = new Map<string, number>();
for (const b of consumer.batches)
  for (let o = b.offset; o < b.offset + b.count; o++) storedAt.set(`${b.partition}:${o}`, b.time);
const steady = records.filter((r) => r.closeTime >= started + WARMUP * 1000);
const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
const toPublished = sorted(steady.map((r) => r.publishedAt - (r.closeTime + 1)));
const toStored = sorted(
  steady.flatMap((r) => {
    const t = storedAt.get(`${r.partition}:${r.offset}`);
    return t === undefined ? [] : [t - (r.closeTime + 1)];
  }),
);
const summary = (xs: number[]) => ({
  p50ms: percentile(xs, 50),
  p99ms: percentile(xs, 99),
  maxMs: percentile(xs, 100),
});
process.stdout.write(
  `${JSON.stringify(
    {
      machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      candles: steady.length,
      closeToPublished: summary(toPublished),
      closeToStored: { ...summary(toStored), candles: toStored.length },
    },
    null,
    2,
  )}\n`,
);
await binance.close();
await dropRun(run);
