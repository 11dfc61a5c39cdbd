/**
 * A consumer in a child process, measured from its JSON log lines: the CLI consumer configured as a pod
 * is, or any script that logs the same lines (bench/peer.ts). Shared by the pipeline and live benchmarks.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Interval } from '../src/core/kline/interval.ts';
import type { Run } from '../test/shell/pipeline/harness.ts';
import { nodeOptionsFor, quantityBytes } from '../src/core/operator/workers/memory.ts';
import { memoryLimit } from './memoryLimit.ts';

const CLI = new URL('../bin/cryptostream.js', import.meta.url).pathname;
const PEER = new URL('./peer.ts', import.meta.url).pathname;

/**
 * One stored and committed batch: records [offset, offset + count) of a partition, stored at `time`; the
 * milliseconds it took in the consumer: in all (from its handler's call to its commit), to process it, to
 * write it (NaN for a consumer that does not say).
 */
export type BatchStored = {
  readonly partition: number;
  readonly offset: number;
  readonly count: number;
  readonly time: number;
  readonly ms: { readonly whole: number; readonly process: number; readonly write: number };
};

export const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export type Consumed = {
  readonly assigned: Promise<number>;
  readonly batches: BatchStored[];
  /** Resolves once `count` records were stored and committed. */
  readonly storedAll: (count: number, timeoutMs: number) => Promise<void>;
  /** Stops the process; resolves with its peak RSS in bytes. */
  readonly stop: () => Promise<number>;
  /** CPU seconds (user + system) the process spent since its partitions were assigned, until now. */
  readonly cpuSinceAssigned: () => number;
};

/** CPU seconds (user + system, all threads) a process spent so far (/proc/<pid>/stat, in clock ticks). */
export const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the line (utime, stime) are 12 and 13 after the command name and state; 100 ticks/s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** Peak resident set of a process (kB in /proc/<pid>/status), in bytes. */
const peakRss = (pid: number): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
};

/**
 * BENCH_MEMORY_LIMIT (a Kubernetes quantity, e.g. `512Mi`, the consumer pod's default limit): each child in
 * its own memory cgroup with that limit and the NODE_OPTIONS the operator gives a worker of that limit, as
 * in its pod; unset, the children have the whole machine and V8's defaults for it.
 */
const LIMIT = ((): { bytes: number; nodeOptions: string | undefined } | undefined => {
  const quantity = process.env['BENCH_MEMORY_LIMIT'];
  if (quantity === undefined || quantity === '') return undefined;
  const bytes = quantityBytes(quantity);
  if (bytes === undefined)
    throw new Error(`BENCH_MEMORY_LIMIT=${quantity} is not a memory quantity (e.g. 512Mi)`);
  return { bytes, nodeOptions: nodeOptionsFor(quantity) };
})();
let children = 0;

/**
 * A consumer in a child process, followed through its JSON log lines on stdout: 'partitions assigned'
 * (consumption starts) and 'batch stored and committed' (partition, first offset, count, time, and its
 * `latency`, `processMs` and `writeMs`).
 */
export const child = (
  args: readonly string[],
  env: Record<string, string>,
  NODE_FLAGS: readonly string[] = [],
): Consumed => {
  const batches: BatchStored[] = [];
  const limit =
    LIMIT === undefined
      ? undefined
      : memoryLimit(`cryptostream-bench-${process.pid}-${++children}`, LIMIT.bytes);
  const argv = [process.execPath, ...NODE_FLAGS, ...args];
  const [command, commandArgs] = limit?.wrap(argv) ?? [argv[0]!, argv.slice(1)];
  let stored = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  const nodeOptions = LIMIT?.nodeOptions;
  const proc = spawn(command, commandArgs, {
    env: { ...process.env, ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      limit?.remove();
      resolve();
    }),
  );
  let onAssigned: (t: number) => void = () => undefined;
  let cpuAtAssignment = Number.NaN;
  const assigned = new Promise<number>((resolve) => (onAssigned = resolve));
  let buffer = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (buffer + d).split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) {
        if (NODE_FLAGS.length > 0) process.stderr.write(`${line}\n`);
        continue;
      }
      const entry = JSON.parse(line) as Record<string, unknown>;
      const time = Date.parse(String(entry['time']));
      if (entry['msg'] === 'partitions assigned') {
        if (Number.isNaN(cpuAtAssignment)) cpuAtAssignment = cpuSeconds(proc.pid!);
        onAssigned(time);
      } else if (entry['msg'] === 'batch stored and committed') {
        const count = Number(entry['count']);
        batches.push({
          partition: Number(entry['partition']),
          offset: Number(entry['offset']),
          count,
          time,
          ms: {
            whole: Number(entry['latency']),
            process: Number(entry['processMs']),
            write: Number(entry['writeMs']),
          },
        });
        stored += count;
        if (waiting !== undefined && stored >= waiting.count) waiting.resolve();
      } else if (Number(entry['level']) >= 40) process.stderr.write(`${args.join(' ')}: ${line}\n`);
    }
  });
  const storedAll = (count: number, timeoutMs: number) =>
    stored >= count
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`stored ${stored} of ${count} records`)),
            timeoutMs,
          );
          waiting = {
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
  return {
    assigned,
    batches,
    storedAll,
    cpuSinceAssigned: () => cpuSeconds(proc.pid!) - cpuAtAssignment,
    stop: async () => {
      const rss = peakRss(proc.pid!);
      proc.kill('SIGTERM');
      await exited;
      return rss;
    },
  };
};

/** The consumer CLI, configured as a pod is. */
export const ours = (
  run: Run,
  interval: Interval,
  group: string,
  brokers: readonly string[],
  NODE_FLAGS: readonly string[] = [],
): Consumed =>
  child(
    [CLI, 'consumer'],
    {
      CRYPTOSTREAM_INTERVAL: interval,
      CRYPTOSTREAM_KAFKA_BROKERS: brokers.join(','),
      CRYPTOSTREAM_TOPIC_PREFIX: run.prefix,
      CRYPTOSTREAM_CONSUMER_GROUP: group,
      CRYPTOSTREAM_INFLUX_URL: run.endpoints.influx.url,
      CRYPTOSTREAM_INFLUX_TOKEN: run.endpoints.influx.token,
      CRYPTOSTREAM_INFLUX_ORG: run.endpoints.influx.org,
      CRYPTOSTREAM_INFLUX_BUCKET_RAW: run.raw,
      CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED: run.enriched,
      CRYPTOSTREAM_HTTP_PORT: '0',
      CRYPTOSTREAM_LOG_LEVEL: 'debug',
    },
    NODE_FLAGS,
  );

/**
 * The bare peer (bench/peer.ts), configured as `ours` is: `run`'s topic of `interval` (`<prefix><interval>`)
 * into `run`'s buckets, its lines computed for `perSymbol` candles of each symbol before it joins.
 */
export const peer = (
  run: Run,
  interval: Interval,
  group: string,
  brokers: readonly string[],
  perSymbol: number,
  NODE_FLAGS: readonly string[] = [],
): Consumed =>
  child(
    [PEER],
    {
      BENCH_PEER_INTERVAL: interval,
      BENCH_PEER_PER_SYMBOL: String(perSymbol),
      BENCH_PEER_BROKERS: brokers.join(','),
      BENCH_PEER_TOPIC: `${run.prefix}${interval}`,
      BENCH_PEER_GROUP: group,
      BENCH_PEER_INFLUX_URL: run.endpoints.influx.url,
      BENCH_PEER_INFLUX_TOKEN: run.endpoints.influx.token,
      BENCH_PEER_INFLUX_ORG: run.endpoints.influx.org,
      BENCH_PEER_BUCKET_RAW: run.raw,
      BENCH_PEER_BUCKET_ENRICHED: run.enriched,
    },
    NODE_FLAGS,
  );
