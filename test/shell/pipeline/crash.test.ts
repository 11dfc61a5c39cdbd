import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PartitionAssigners, type Consumer } from 'kafkajs';
import { EXIT_CONSUMER_FAILED, run as runConsumerCommand } from '../../../src/shell/consumer/command.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { makeKafka } from '../../../src/shell/kafka/client.ts';
import { serveWorkerHttp } from '../../../src/shell/observability/http.ts';
import { metrics } from '../../../src/shell/observability/metrics.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { freePort } from '../../support/ports.ts';
import {
  capturingLog,
  consumerConfig,
  dropRun,
  newRun,
  publishCandles,
  quietLog,
  waitFor,
  type Run,
} from './harness.ts';

const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref(),
    ),
  ]);

describe('a Kafka consumer that crashes for good (kafkajs does not restart it): not live, the command exits (real Kafka and InfluxDB)', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
    await publishCandles(run, '15m', fifteenMinuteWeek('BTCUSDC').slice(0, 100));
  });
  after(() => dropRun(run).catch(() => undefined));

  it('a bug in the batch handler (a TypeError): /healthz and /readyz 503, `crashed` resolves, the lag gauge of its partitions dropped', async () => {
    const { log, records } = capturingLog('warn');
    const topic = `${run.prefix}15m`;
    const consumer = await startConsumer(consumerConfig(run, '15m'), log, () => {
      throw new TypeError("Cannot read properties of undefined (reading 'close')");
    });
    const server = await serveWorkerHttp(0, consumer.reason, () =>
      consumer.live() ? '' : consumer.reason(),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const error = await within(30_000, 'the crash', consumer.crashed);
      assert.match(error.message, /Cannot read properties of undefined/);
      assert.equal(consumer.live(), false);
      assert.equal(consumer.ready(), false);
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 503);
      assert.match(await health.text(), /the Kafka consumer crashed/);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      assert.ok(
        records.some((r) => r['msg'] === 'Kafka consumer crashed for good (kafkajs does not restart it)'),
      );
      const lag = await metrics().lag.get();
      assert.deepEqual(
        lag.values.filter((v) => v.labels['topic'] === topic),
        [],
        'no frozen lag of a dead consumer',
      );
    } finally {
      server.close();
      await consumer.stop();
    }
  });

  it('`cryptostream consumer` exits with status 3 when its group refuses it for good (a member of another assignment protocol holds the group)', async () => {
    const config = consumerConfig(run, '15m');
    const group = `${config.groupId}-foreign`;
    // A member of another application in the same group, with an assignor ours does not know.
    const foreign: Consumer = makeKafka(config.brokers, 'foreign', quietLog()).consumer({
      groupId: group,
      partitionAssigners: [
        (c) => {
          const assigner = PartitionAssigners.roundRobin(c);
          return {
            ...assigner,
            name: 'ForeignAssigner',
            protocol: (t) => ({ ...assigner.protocol(t), name: 'ForeignAssigner' }),
          };
        },
      ],
    });
    await foreign.connect();
    try {
      await foreign.subscribe({ topics: [`${run.prefix}15m`], fromBeginning: true });
      let joined = false;
      foreign.on(foreign.events.GROUP_JOIN, () => (joined = true));
      await foreign.run({ eachBatch: async () => undefined });
      await waitFor('the foreign member joined', async () => joined);
      const { influx } = config;
      const status = await within(
        60_000,
        'the consumer command',
        runConsumerCommand([
          '--interval=15m',
          `--kafka-brokers=${config.brokers.join(',')}`,
          `--topic-prefix=${run.prefix}`,
          '--topic-partitions=3',
          `--group=${group}`,
          `--influx-url=${influx.url}`,
          `--influx-token=${influx.token}`,
          `--influx-org=${influx.org}`,
          `--bucket-raw=${run.raw}`,
          `--bucket-enriched=${run.enriched}`,
          `--http-port=${await freePort()}`,
          '--log-level=silent',
        ]),
      );
      assert.equal(status, EXIT_CONSUMER_FAILED);
    } finally {
      await foreign.disconnect();
    }
  });
});
