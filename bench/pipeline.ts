/**
 * Pipeline throughput and latency through the real Kafka and InfluxDB of `npm run services:up` (not a
 * test: `npm run bench:pipeline`; figures go to the Benchmark section of docs/pipeline.md).
 *
 * The consumer under test is the real CLI in a child process (`node bin/cryptostream.js consumer`, the
 * build in dist/ as the image runs it — `npm run bench:pipeline` builds first — configured through
 * CRYPTOSTREAM_* as in a pod, log level debug for its per-batch line), so
 * its RSS is its own: the peak (VmHWM of /proc/<pid>/status) read before it stops. The peer, in the same
 * run on the same records and also a child process: a bare kafkajs consumer (bench/peer.ts) that only
 * parses records and writes their precomputed lines with the same writer — the ceiling of Kafka +
 * InfluxDB on this machine. Both report each stored batch on stdout and are measured the same way.
 *
 * 1. Throughput: N candles (the real 15m candles of BTC, ETH, XRP and SOL replayed under 500 synthetic
 *    symbols) are published first; then ROUNDS rounds of peer and ours alternately drain the topic, each
 *    in a fresh consumer group into fresh buckets. Time = from the group's assignment to the last batch
 *    stored and committed (process start and group join left out for both).
 * 2. Latency: a steady RATE candles/s (2,000: every USDC pair on Binance at 1s) for SECONDS (3 minutes,
 *    so the consumer writes every symbol's indicator-state snapshot — every 60 candles — several times
 *    after the warm-up) on a fresh topic; LATENCY_RUNS runs of ours and the peer interleaved; latency =
 *    from the producer's send to the batch stored and committed (the consumer's log line of the batch,
 *    same clock). The first WARMUP seconds are left out (JIT, first snapshot query); the all-inclusive
 *    p99 is printed too.
 *
 * Settings: BENCH_CANDLES (600,000: drains of 15–20 s; 200,000 drained in 5–7 s, too short to tell the
 * ratio from the noise), BENCH_ROUNDS (2), BENCH_RATE (2000), BENCH_SECONDS (180),
 * BENCH_LATENCY_RUNS (3; 0 for a throughput-only run, under a minute per round), BENCH_WARMUP_SECONDS
 * (3), BENCH_NODE_FLAGS (for both children), BENCH_CONSUMER_NODE_FLAGS (for ours only, after
 * BENCH_NODE_FLAGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, `--heap-prof`, `--trace-gc`),
 * BENCH_MEMORY_LIMIT (e.g. `512Mi`: each child in a memory cgroup of that limit with the operator's
 * NODE_OPTIONS for it, as in its pod; root only, see bench/memoryLimit.ts); CRYPTOSTREAM_* in the
 * environment reach the consumer unless the bench sets them. About 24 minutes with the defaults.
 *
 * Each throughput round also gives the CPU time (user + system) each child spent from its assignment to
 * its last batch, per 1,000 candles: on a machine whose cores Kafka and InfluxDB share with the consumer,
 * what the consumer spends is taken from them. And the mean milliseconds of a batch in each child (`batchMs`):
 * in all, processing it (ours: decode to request bodies; the peer: parse and look its lines up), writing it
 * to both buckets. With a fixed number of batches in flight (kafkajs's `partitionsConsumedConcurrently`),
 * what a batch spends in processing is what the throughput loses. And, over each drain, the CPU the
 * InfluxDB and Kafka servers spent per 1,000 candles and how busy the whole machine was (/proc/stat).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import { pino } from 'pino';
import type { MarketCandle } from '../src/core/kline/candle.ts';
import { encodeCandle } from '../src/core/kline/message.ts';
import { makeKafka } from '../src/shell/kafka/client.ts';
import { ensureTopics } from '../src/shell/kafka/topics.ts';
import { dropRun, newRun, type Run } from '../test/shell/pipeline/harness.ts';
import { services, servicesEnvPath } from '../test/support/services.ts';
import { candleOf, type BenchInterval } from './synthetic.ts';
import {
  cpuSeconds,
  mb,
  ours as cliConsumer,
  peer as barePeer,
  percentile,
  type BatchStored,
  type Consumed,
} from './consumerProcess.ts';

const TOTAL = Number(process.env['BENCH_CANDLES'] ?? 600_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const RATE = Number(process.env['BENCH_RATE'] ?? 2000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 180);
const LATENCY_RUNS = Number(process.env['BENCH_LATENCY_RUNS'] ?? 3);
const WARMUP = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 3);
/** Node flags for both child processes, e.g. `--cpu-prof` or `--trace-gc` (their non-JSON output goes to stderr). */
const NODE_FLAGS = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
const CONSUMER_FLAGS = [
  ...NODE_FLAGS,
  ...(process.env['BENCH_CONSUMER_NODE_FLAGS'] ?? '').split(' ').filter(Boolean),
];
const PARTITIONS = 6;
const SYMBOLS = 500;

const log = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' });
const { kafka: k, influx } = services();
const kafka = makeKafka(k.brokers, 'bench', log);
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const admin = kafka.admin();
await admin.connect();
const runs: Run[] = [];
const topics: string[] = [];
const fresh = async (): Promise<Run> => {
  const run = await newRun();
  runs.push(run);
  return run;
};

/** A symbol's partition: fixed by the bench, so the send results give every record's offset. */
const partitionOf = (k2: number): number => k2 % PARTITIONS;

/** Sends records; returns when each was sent, per partition and offset (fresh topics start at offset 0). */
const sendAll = async (
  p: Producer,
  topic: string,
  candles: readonly { k: number; c: MarketCandle }[],
  sentAt: number[][],
): Promise<void> => {
  const t = Date.now();
  const byPartition = new Map<number, number>();
  const messages = candles.map(({ k: k2, c }) => {
    const m = encodeCandle(c, 'bench');
    const partition = partitionOf(k2);
    byPartition.set(partition, (byPartition.get(partition) ?? 0) + 1);
    return { key: m.key, value: m.value, headers: { ...m.headers }, partition };
  });
  const meta = await p.send({ topic, messages });
  for (const r of meta) {
    const base = Number(r.baseOffset);
    const list = (sentAt[r.partition] ??= []);
    for (let o = 0; o < (byPartition.get(r.partition) ?? 0); o++) list[base + o] = t;
  }
};

/** The consumer CLI, configured as a pod is. */
const ours = (run: Run, interval: BenchInterval, group: string): Consumed =>
  cliConsumer(run, interval, group, k.brokers, CONSUMER_FLAGS);

/** The bare peer (bench/peer.ts) on `topicRun`'s topic, writing into `run`'s buckets. */
const peer = (topicRun: Run, run: Run, interval: BenchInterval, group: string, perSymbol: number): Consumed =>
  barePeer({ ...run, prefix: topicRun.prefix }, interval, group, k.brokers, perSymbol, NODE_FLAGS);

/** CPU seconds the server `npm run services:up` recorded a pid for has spent so far; NaN without one. */
const serverCpu = (name: 'kafka' | 'influxdb'): number => {
  try {
    const pid = readFileSync(join(dirname(servicesEnvPath), name, 'pid'), 'utf8').trim();
    return /^[1-9]\d*$/.test(pid) ? cpuSeconds(Number(pid)) : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

/** CPU seconds each server spent so far, and the machine's busy and total time (/proc/stat, clock ticks). */
const cpuNow = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  return {
    kafka: serverCpu('kafka'),
    influxdb: serverCpu('influxdb'),
    busy: total - ticks[3]! - ticks[4]!,
    total,
  };
};

/** Drains `total` records; candles/s from the assignment to the last stored batch. */
const drain = async (consumer: Consumed, total: number) => {
  const assignedAt = await consumer.assigned;
  const before = cpuNow();
  await consumer.storedAll(total, 300_000);
  const after = cpuNow();
  const end = Math.max(...consumer.batches.map((b) => b.time));
  const cpu = consumer.cpuSinceAssigned();
  const perThousand = (seconds: number) => Number(((seconds * 1e6) / total).toFixed(1));
  const rss = await consumer.stop();
  const seconds = (end - assignedAt) / 1000;
  const meanMs = (of: (b: BatchStored) => number) =>
    Number((consumer.batches.reduce((sum, b) => sum + of(b), 0) / consumer.batches.length).toFixed(1));
  return {
    seconds: Number(seconds.toFixed(2)),
    candlesPerSecond: Math.round(total / seconds),
    peakRssMb: mb(rss),
    cpuMsPer1000: perThousand(cpu),
    /**
     * The same for the servers over the drain, and how busy the whole machine was: on a machine whose
     * cores they share, ours / peer throughput ≈ (peer + servers) / (ours + servers) CPU per candle.
     */
    serversCpuMsPer1000: {
      influxdb: perThousand(after.influxdb - before.influxdb),
      kafka: perThousand(after.kafka - before.kafka),
    },
    machineBusyPercent: Math.round((100 * (after.busy - before.busy)) / (after.total - before.total)),
    loadAverage: Number(loadavg()[0]!.toFixed(1)),
    /** Mean milliseconds of a batch in the consumer: in all, processing it, writing it. */
    batchMs: {
      whole: meanMs((b) => b.ms.whole),
      process: meanMs((b) => b.ms.process),
      write: meanMs((b) => b.ms.write),
    },
  };
};

type Drained = Awaited<ReturnType<typeof drain>>;
type Round = { peer: Drained; ours: Drained; ratio: number; ratioAtSameServerCpu: number | undefined };

/**
 * The ratio the round's CPU figures give with the servers' CPU per candle the same in both drains (their
 * mean): (peer + servers) / (ours + servers). With every core busy this is what the throughput ratio
 * follows, less the servers' background work (InfluxDB's cache snapshots and compactions) that lands in
 * one drain and not the other; on this machine it differed by up to 12 ms per 1,000 candles between the two
 * drains of a round and moved the measured ratio by up to 0.1 (docs/benchmarks.md). Undefined without the servers' pids.
 */
const ratioAtSameServerCpu = (peer: Drained, ours: Drained): number | undefined => {
  const servers = (d: Drained) => d.serversCpuMsPer1000.influxdb + d.serversCpuMsPer1000.kafka;
  const s = (servers(peer) + servers(ours)) / 2;
  if (!Number.isFinite(s)) return undefined;
  return Number(((peer.cpuMsPer1000 + s) / (ours.cpuMsPer1000 + s)).toFixed(2));
};

/** Latency of every record sent after the warm-up: stored time of its batch − its send time. */
const latencies = (batches: readonly BatchStored[], sentAt: readonly number[][], from: number) => {
  const all: number[] = [];
  const steady: number[] = [];
  for (const b of batches)
    for (let o = b.offset; o < b.offset + b.count; o++) {
      const sent = sentAt[b.partition]?.[o];
      if (sent === undefined) continue;
      all.push(b.time - sent);
      if (sent >= from) steady.push(b.time - sent);
    }
  all.sort((a, b) => a - b);
  steady.sort((a, b) => a - b);
  return {
    stored: all.length,
    p50ms: percentile(steady, 50),
    p99ms: percentile(steady, 99),
    maxMs: percentile(steady, 100),
    p99msWithWarmup: percentile(all, 99),
  };
};

try {
  // 1. Throughput.
  const data = await fresh();
  const topic = `${data.prefix}15m`;
  topics.push(topic, `${topic}-dlq`);
  await ensureTopics(
    admin,
    topics.map((topic) => ({ topic, partitions: PARTITIONS })),
  );
  const perSymbol = Math.ceil(TOTAL / SYMBOLS);
  const total = SYMBOLS * perSymbol;
  for (let i = 0; i < perSymbol; i += 20) {
    const chunk = [];
    for (let k2 = 0; k2 < SYMBOLS; k2++)
      for (let j = i; j < Math.min(i + 20, perSymbol); j++) chunk.push({ k: k2, c: candleOf('15m', k2, j) });
    await sendAll(producer, topic, chunk, []);
  }
  process.stderr.write(`published ${total} candles; ${ROUNDS} rounds of peer and consumer draining them…\n`);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const peerRun = await fresh();
    const bare = await drain(peer(data, peerRun, '15m', `${peerRun.group}-peer`, perSymbol), total);
    const oursRun = await fresh();
    const ourRound = await drain(
      ours({ ...oursRun, prefix: data.prefix }, '15m', `${oursRun.group}-ours`),
      total,
    );
    rounds.push({
      peer: bare,
      ours: ourRound,
      ratio: Number((ourRound.candlesPerSecond / bare.candlesPerSecond).toFixed(2)),
      ratioAtSameServerCpu: ratioAtSameServerCpu(bare, ourRound),
    });
    process.stderr.write(`round ${r + 1}: ${JSON.stringify(rounds.at(-1))}\n`);
  }

  // 2. Latency at a steady rate: ours, then the peer, each on a fresh topic.
  const steadyRun = async (who: 'ours' | 'peer') => {
    const run = await fresh();
    const latencyTopic = `${run.prefix}1h`;
    topics.push(latencyTopic, `${latencyTopic}-dlq`);
    await ensureTopics(
      admin,
      [latencyTopic, `${latencyTopic}-dlq`].map((topic) => ({ topic, partitions: PARTITIONS })),
    );
    const tick = 100;
    const perTick = Math.round((RATE * tick) / 1000);
    const ticks = (SECONDS * 1000) / tick;
    const symbols = RATE;
    const consumer =
      who === 'ours'
        ? ours(run, '1h', `${run.group}-ours`)
        : peer(run, run, '1h', `${run.group}-peer`, Math.ceil((ticks * perTick) / symbols));
    await consumer.assigned;
    const sentAt: number[][] = [];
    const begin = Date.now();
    for (let t = 0; t < ticks; t++) {
      const chunk = Array.from({ length: perTick }, (_, j) => {
        const n = t * perTick + j;
        return { k: n % symbols, c: candleOf('1h', n % symbols, Math.floor(n / symbols)) };
      });
      await sendAll(producer, latencyTopic, chunk, sentAt);
      await new Promise((r) => setTimeout(r, Math.max(0, begin + (t + 1) * tick - Date.now())));
    }
    const sent = ticks * perTick;
    await consumer.storedAll(sent, 60_000).catch((e: unknown) => process.stderr.write(`${String(e)}\n`));
    const rss = await consumer.stop();
    return { sent, ...latencies(consumer.batches, sentAt, begin + WARMUP * 1000), peakRssMb: mb(rss) };
  };
  // Interleaved, so that a slower or busier stretch of the machine falls on both alike.
  type Steady = Awaited<ReturnType<typeof steadyRun>>;
  const latency: { ours: Steady; peer: Steady }[] = [];
  for (let r = 0; r < LATENCY_RUNS; r++) {
    const oursRun = await steadyRun('ours');
    const peerRun = await steadyRun('peer');
    latency.push({ ours: oursRun, peer: peerRun });
    process.stderr.write(`latency run ${r + 1}: ${JSON.stringify(latency.at(-1))}\n`);
  }

  const cpu = cpus();
  const sum = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((s, r) => s + f(r), 0);
  const oursRate = Math.round((ROUNDS * total) / sum((r) => r.ours.seconds));
  const peerRate = Math.round((ROUNDS * total) / sum((r) => r.peer.seconds));
  const report = {
    machine: `${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka ${k.version}, InfluxDB ${influx.version}`,
    loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(1))),
    throughput: {
      candles: total,
      rounds,
      ours: oursRate,
      peer: peerRate,
      ratio: Number((oursRate / peerRate).toFixed(2)),
    },
    latency: {
      rate: RATE,
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      runs: latency,
      oursP99WithinTarget: latency.length === 0 ? null : latency.every((r) => r.ours.p99ms <= 250),
    },
    consumerPeakRssMb: Math.max(
      ...rounds.map((r) => r.ours.peakRssMb),
      ...latency.map((r) => r.ours.peakRssMb),
    ),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await producer.disconnect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  for (const run of runs) await dropRun(run).catch(() => undefined);
}
