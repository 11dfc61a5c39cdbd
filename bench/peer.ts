/**
 * The peer of the pipeline benchmark (a child process of bench/pipeline.ts): a bare kafkajs consumer that
 * does only what no consumer can avoid. Per batch it parses each record to find its candle, takes the raw
 * and enriched lines computed before it joined (the lines ours writes, in the same order: by symbol),
 * writes them with the same writer (`writeLines`) to both buckets at once and commits: no validation, no
 * enrichment, no line protocol generation, no state snapshots. Its throughput is what Kafka and InfluxDB
 * allow on this machine, the ceiling ours is compared with. Same consumer settings as ours (fetch bounds,
 * 3 partitions stored concurrently, manual commits).
 *
 * Reports on stdout with the consumer's log lines ('partitions assigned', 'batch stored and committed'
 * with partition, first offset, count, time, and the batch's milliseconds: in all (`latency`), to process it
 * (`processMs`) and to write it (`writeMs`)), so the benchmark measures both the same way.
 */
import { pino } from 'pino';
import { defaultIndicatorConfig, enricher } from '../src/core/indicators/index.ts';
import { candleSeries, enrichedLine, rawLine } from '../src/core/points/candleLines.ts';
import { writeLines } from '../src/shell/influx/influx.ts';
import { makeKafka } from '../src/shell/kafka/client.ts';
import { candleOf, SERIES, seriesOf, type BenchInterval } from './synthetic.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const interval = env('BENCH_PEER_INTERVAL') as BenchInterval;
const perSymbol = Number(env('BENCH_PEER_PER_SYMBOL'));
const influx = {
  url: env('BENCH_PEER_INFLUX_URL'),
  token: env('BENCH_PEER_INFLUX_TOKEN'),
  org: env('BENCH_PEER_INFLUX_ORG'),
};
const bucketRaw = env('BENCH_PEER_BUCKET_RAW');
const bucketEnriched = env('BENCH_PEER_BUCKET_ENRICHED');
const log = pino({ level: 'warn', timestamp: pino.stdTimeFunctions.isoTime });

/*
 * Symbols replaying the same series differ in their lines only by the symbol, so the lines are kept per
 * series and open time with the symbol left out (a few thousand, not one pair per record).
 */
const PLACEHOLDER = 'S9999USDC';
type Split = readonly [string, string];
const split = (line: string): Split => {
  const at = line.indexOf(PLACEHOLDER);
  return [line.slice(0, at), line.slice(at + PLACEHOLDER.length)];
};
const lines = new Map<string, { raw: Split; enriched: Split }>();
const e = enricher(defaultIndicatorConfig);
for (let s = 0; s < SERIES; s++) {
  const candles = Array.from({ length: perSymbol }, (_, i) => ({
    ...candleOf(interval, s, i),
    symbol: PLACEHOLDER,
  }));
  const raw = candleSeries('raw', candles[0]!);
  const enriched = candleSeries('enriched', candles[0]!);
  let state = e.init;
  for (const c of candles) {
    const [next, indicators] = e.step(state, c);
    state = next;
    lines.set(`${s}|${c.openTime}`, {
      raw: split(rawLine(raw, c)),
      enriched: split(enrichedLine(enriched, c, indicators)),
    });
  }
}

const kafka = makeKafka(env('BENCH_PEER_BROKERS').split(','), 'bench-peer', log);
const consumer = kafka.consumer({
  groupId: env('BENCH_PEER_GROUP'),
  // The consumer's bound (CRYPTOSTREAM_MAX_BATCH_BYTES, 1 MiB by default), so both fetch alike.
  maxBytesPerPartition: Number(process.env['CRYPTOSTREAM_MAX_BATCH_BYTES'] ?? 1 << 20),
  maxBytes: 8 << 20,
});
await consumer.connect();
await consumer.subscribe({ topics: [env('BENCH_PEER_TOPIC')], fromBeginning: true });
consumer.on(consumer.events.GROUP_JOIN, () => log.warn('partitions assigned'));
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 3,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset }) => {
    if (batch.messages.length === 0) return;
    const started = performance.now();
    // Grouped by symbol like ours: InfluxDB takes a series' points written together faster.
    const bySymbol = new Map<string, { raw: string[]; enriched: string[] }>();
    for (const m of batch.messages) {
      const c = JSON.parse(m.value!.toString()) as { symbol: string; openTime: number };
      const l = lines.get(`${seriesOf(c.symbol)}|${c.openTime}`);
      if (l === undefined) throw new Error(`no lines for ${c.symbol} ${c.openTime}`);
      let group = bySymbol.get(c.symbol);
      if (group === undefined) bySymbol.set(c.symbol, (group = { raw: [], enriched: [] }));
      group.raw.push(l.raw[0] + c.symbol + l.raw[1]);
      group.enriched.push(l.enriched[0] + c.symbol + l.enriched[1]);
    }
    const groups = [...bySymbol.values()];
    const prepared = performance.now();
    await Promise.all([
      writeLines(
        influx,
        bucketRaw,
        groups.flatMap((g) => g.raw),
      ),
      writeLines(
        influx,
        bucketEnriched,
        groups.flatMap((g) => g.enriched),
      ),
    ]);
    const written = performance.now();
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    log.warn(
      {
        partition: batch.partition,
        offset: batch.firstOffset(),
        count: batch.messages.length,
        latency: Math.round(performance.now() - started),
        processMs: Math.round((prepared - started) * 10) / 10,
        writeMs: Math.round((written - prepared) * 10) / 10,
      },
      'batch stored and committed',
    );
  },
});
const stop = () => void consumer.disconnect().then(() => process.exit(0));
process.once('SIGTERM', stop);
