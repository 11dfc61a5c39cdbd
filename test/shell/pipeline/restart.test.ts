import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { after, describe, it } from 'node:test';
import { intervalMs } from '../../../src/core/kline/interval.ts';
import { lastPublished, makeKafka } from '../../../src/shell/kafka/client.ts';
import { startConsumer, type ConsumerHandle } from '../../../src/shell/consumer/consumer.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { services } from '../../support/services.ts';
import {
  assertStoredExactly,
  binanceAndRun,
  consumerConfig,
  countStored,
  dropRun,
  groupLag,
  newRun,
  producerConfig,
  quietLog,
  RANGES,
  stableMembers,
  SYMBOLS,
  waitFor,
  type Run,
} from './harness.ts';

const worker = join(import.meta.dirname, 'worker.ts');
const children = new Set<ChildProcess>();

type Spawned = {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves on the first log line containing `text`, from within the stdout handler (no polling delay). */
  seen: (text: string) => Promise<void>;
};

/**
 * The consumer CLI in a child process, configured through environment variables as the operator does.
 * Small fetches (8 KiB per partition) return one producer record batch (one page of one symbol) at a time,
 * so the topic arrives in several batches and a kill lands mid-stream.
 */
const spawnConsumer = (run: Run): Spawned => {
  const c = consumerConfig(run, '15m');
  const child = spawn(process.execPath, [worker, 'consumer'], {
    env: {
      ...process.env,
      CRYPTOSTREAM_INTERVAL: '15m',
      CRYPTOSTREAM_KAFKA_BROKERS: c.brokers.join(','),
      CRYPTOSTREAM_TOPIC_PREFIX: c.topicPrefix,
      CRYPTOSTREAM_CONSUMER_GROUP: c.groupId,
      CRYPTOSTREAM_INFLUX_URL: c.influx.url,
      CRYPTOSTREAM_INFLUX_TOKEN: c.influx.token,
      CRYPTOSTREAM_INFLUX_ORG: c.influx.org,
      CRYPTOSTREAM_INFLUX_BUCKET_RAW: c.bucketRaw,
      CRYPTOSTREAM_INFLUX_BUCKET_ENRICHED: c.bucketEnriched,
      CRYPTOSTREAM_MAX_BATCH_BYTES: '8192',
      // Snapshots every 100 candles of a symbol: the restarted consumer replays the points stored after one.
      CRYPTOSTREAM_SNAPSHOT_EVERY: '100',
      CRYPTOSTREAM_HTTP_PORT: '0',
      CRYPTOSTREAM_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  const waiting: { text: string; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of [...waiting])
      if (parts.some((l) => l.includes(w.text))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const seen = (text: string): Promise<void> =>
    lines.some((l) => l.includes(text))
      ? Promise.resolve()
      : new Promise((resolve) => waiting.push({ text, resolve }));
  return { child, lines, exited, seen };
};

describe('restarts (real Kafka and InfluxDB)', () => {
  const fixture = binanceAndRun();
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('a producer finds where each symbol left off in the topic', async () => {
    const { binance, run } = fixture;
    const { from } = RANGES['15m'];
    const mid = from + 3 * 86_400_000;
    await runProducer(
      { ...producerConfig(run, binance, '15m'), to: mid },
      quietLog(),
      new AbortController().signal,
    );
    const kafka = makeKafka(services().kafka.brokers, 'test', quietLog());
    const last = await lastPublished(kafka, `${run.prefix}15m`, SYMBOLS);
    assert.deepEqual(
      Object.fromEntries(last),
      Object.fromEntries(SYMBOLS.map((s) => [s, mid - intervalMs['15m']])),
    );
    const rest = await runProducer(
      { ...producerConfig(run, binance, '15m'), from: mid },
      quietLog(),
      new AbortController().signal,
    );
    assert.equal(rest.get('15m')?.get('BTCUSDC')?.published, 672 - 3 * 96);
  });

  it('a consumer killed with SIGKILL mid-stream and restarted stores exactly what an uninterrupted run stores; SIGTERM stops it cleanly', async () => {
    const { binance, run } = fixture;
    const first = spawnConsumer(run);
    await first.seen('batch stored and committed');
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    const stored = await countStored(run, '15m', 'enriched');
    process.stderr.write(`# consumer killed with ${stored} of ${4 * 672} candles enriched\n`);
    assert.ok(stored > 0 && stored < 4 * 672, `the kill lands mid-stream (${stored} enriched)`);

    const second = spawnConsumer(run);
    await waitFor('15m stored', async () => (await countStored(run, '15m', 'enriched')) >= 4 * 672);
    await waitFor(
      'the second consumer to commit the whole topic',
      async () => (await groupLag(run, '15m')) === 0,
    );
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
    assert.ok(second.lines.some((l) => l.includes('consumer stopped')));

    await assertStoredExactly(run, binance, '15m');
  });

  it('a second replica joining and the first leaving (two rebalances) store exactly what one consumer stores', async () => {
    // The topic arrives in three parts: the first consumed by A alone, the second by A and B after B joined,
    // the third by B alone after A left. Indicators continue across both hand-overs (states reloaded from InfluxDB).
    const { binance } = fixture;
    const { from } = RANGES['15m'];
    const day = 86_400_000;
    // Five partitions: the four symbols' keys hash to four different ones, so however the group splits
    // them between two replicas (3 + 2), each owns a symbol and both store a share of the second part.
    const partitions = 5;
    const run = await newRun();
    const produce = (part: { from?: number; to?: number }) =>
      runProducer(
        { ...producerConfig(run, binance, '15m'), partitions, ...part },
        quietLog(),
        new AbortController().signal,
      );
    const drained = async (candles: number) => {
      await waitFor(
        `${candles} candles enriched`,
        async () => (await countStored(run, '15m', 'enriched')) >= candles,
      );
      await waitFor('the topic committed', async () => (await groupLag(run, '15m')) === 0);
    };
    const storedBy = (c: ConsumerHandle) => [...c.counts.values()].reduce((n, x) => n + x.stored, 0);
    // A snapshot only in a symbol's first batch: every hand-over replays the points stored after it.
    const config = { ...consumerConfig(run, '15m'), partitions, snapshotEvery: 10_000 };
    const logged: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    try {
      await produce({ to: from + 2 * day });
      const a = await startConsumer(config, quietLog());
      let b: ConsumerHandle | undefined;
      try {
        await drained(4 * 2 * 96);
        b = await startConsumer(config, log);
        await waitFor('both replicas in the group', async () => (await stableMembers(run, '15m')) === 2);
        await produce({ from: from + 2 * day, to: from + 5 * day });
        await drained(4 * 5 * 96);
        assert.ok(storedBy(b) > 0, 'the second replica stored a share of the second part');
      } finally {
        await a.stop();
      }
      try {
        await waitFor(
          'the second replica alone in the group',
          async () => (await stableMembers(run, '15m')) === 1,
        );
        await produce({ from: from + 5 * day });
        await drained(4 * 672);
      } finally {
        await b?.stop();
      }
      process.stderr.write(`# first replica stored ${storedBy(a)}, second ${storedBy(b)} of ${4 * 672}\n`);
      assert.ok(
        storedBy(a) > 4 * 2 * 96,
        `the first replica stored the first part and a share (${storedBy(a)})`,
      );
      assert.ok(
        storedBy(b) > 4 * 2 * 96,
        `the second replica stored a share and the last part (${storedBy(b)})`,
      );
      assert.equal(storedBy(a) + storedBy(b), 4 * 672, 'every candle stored once');
      await assertStoredExactly(run, binance, '15m');
      assert.ok(
        logged.some((l) => l.includes('indicator state replayed from stored points')),
        'the second replica replayed stored points after a snapshot',
      );
    } finally {
      await dropRun(run).catch(() => undefined);
    }
  });
});
