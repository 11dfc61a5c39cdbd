import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { intervalMs } from '../../../src/core/kline/interval.ts';
import { lastPublished, makeKafka } from '../../../src/shell/kafka/client.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { services } from '../../support/services.ts';
import {
  assertStoredExactly,
  binanceAndRun,
  consumerConfig,
  groupLag,
  countStored,
  producerConfig,
  quietLog,
  RANGES,
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
    assert.equal(rest.get('BTCUSDC')?.published, 672 - 3 * 96);
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
});
