/**
 * A stream on its own Kafka, run by the real Strimzi cluster operator on the node (installed by `cluster:up` from
 * Strimzi's install files with the images built here): `manifests/examples/minimal.yaml` as a user applies it,
 * changed only for the local images, the Binance test server and no Grafana, in a namespace enforcing the
 * `restricted` Pod Security Standard. Strimzi turns our Kafka and KafkaNodePool into KRaft broker pods and our
 * KafkaTopics into topics; a broker pod is deleted while candles flow; the stream is deleted and nothing stays.
 *
 * The test server replays the recorded day of 1m candles as the 1m candles of now, ending LIVE_MINUTES after the
 * test starts: the producer backfills the past ones (default backfill: 24 h) and follows the live edge.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startBinanceServer } from '../support/binanceServer.ts';
import type { BinanceServer } from '../support/binanceServer.ts';
import { nodeCluster, tools, until } from '../support/cluster.ts';
import {
  assertStreamExact,
  childNames,
  expectedCount,
  firstStored,
  installOperator,
  isReady,
  podsIn,
  removeOperator,
  restrictedNamespace,
  streamInflux,
  uniqueName,
  waitReady,
} from './stream.ts';
import type { Markets } from './stream.ts';

const c = nodeCluster();
const { kubectl, apply, getJson } = tools(c);

const MINUTE = 60_000;
/** The recorded day of 1m candles (../shared/data/binance/BTCUSDT/1m). */
const RECORDED_MINUTES = 1440;
/** How long after the test starts the replay goes on producing new candles. */
const LIVE_MINUTES = 8;
const EXAMPLE = join(import.meta.dirname, '..', '..', 'manifests', 'examples', 'minimal.yaml');

const podsOf = (namespace: string, selector: string) => podsIn(c, namespace, selector);

/** A command in the broker pod's Kafka container (Kafka's own tools, on the plain listener). */
const inBroker = (namespace: string, pod: string, ...command: string[]) =>
  kubectl('-n', namespace, 'exec', pod, '-c', 'kafka', '--', ...command);

describe('a stream on its own Kafka, run by the real Strimzi operator on the node', () => {
  const operatorNs = uniqueName('cs-operator');
  const ns = uniqueName('cs-strimzi');
  const release = uniqueName('cryptostream');
  const name = uniqueName('minimal');
  const n = childNames(ns, name);
  // Strimzi names a node pool's pods <cluster>-<pool>-<node id>, and labels them with the pool.
  const broker = n.kafkaNodePod(0);
  const brokers = `strimzi.io/cluster=${n.kafka},strimzi.io/pool-name=${n.kafkaNodePool}`;
  const epoch = Math.floor(Date.now() / MINUTE) * MINUTE - (RECORDED_MINUTES - LIVE_MINUTES) * MINUTE;
  const end = epoch + RECORDED_MINUTES * MINUTE;
  const markets: Markets = { symbols: ['BTCUSDC'], intervals: ['1m'], from: epoch };
  let binance: BinanceServer;

  before(async () => {
    binance = await startBinanceServer({
      host: c.hostAddress,
      live: { interval: '1m', source: '1m', epoch },
    });
    await restrictedNamespace(c, operatorNs);
    await restrictedNamespace(c, ns);
    await installOperator(c, release, operatorNs, ns);
  });

  after(async () => {
    await binance?.close();
    await removeOperator(c, release, operatorNs, [ns]);
  });

  it('the Strimzi cluster operator runs on the node, from the locally built image', async () => {
    const [operator, ...more] = await podsOf(c.strimziNamespace, 'name=strimzi-cluster-operator');
    assert.ok(operator !== undefined && more.length === 0, 'one Strimzi cluster operator pod');
    assert.ok(isReady(operator), 'the Strimzi cluster operator is Ready');
    assert.match(operator.spec.containers[0]!.image, /^localhost\/strimzi\/operator:/);
  });

  it('minimal.yaml is Ready: Strimzi runs our Kafka and KafkaNodePool as KRaft pods and our topics as topics', async () => {
    const example = parse(readFileSync(EXAMPLE, 'utf8')) as {
      metadata: object;
      spec: Record<string, unknown>;
    };
    await apply([
      {
        ...example,
        metadata: { ...example.metadata, name, namespace: ns },
        spec: {
          ...example.spec,
          binance: { baseUrl: binance.url },
          influxdb: { image: c.influxdbImage },
          grafana: { enabled: false },
        },
      },
    ]);
    await waitReady(c, ns, name, 600_000, 2_000);

    const [pod, ...others] = await podsOf(ns, brokers);
    assert.ok(pod !== undefined && others.length === 0, 'one Kafka node (kafka.replicas defaults to 1)');
    assert.equal(pod.metadata.name, broker);
    assert.ok(isReady(pod), `${broker} is Ready`);
    assert.equal(pod.spec.containers[0]!.image, c.strimziKafkaImage);
    const pool = await getJson<{ status: { roles: string[]; nodeIds: number[] } }>(
      'kafkanodepool',
      '-n',
      ns,
      n.kafkaNodePool,
    );
    assert.deepEqual([...pool.status.roles].sort(), ['broker', 'controller']);
    assert.deepEqual(pool.status.nodeIds, [0]);
    const kafka = await getJson<{ status: { listeners: { name: string; bootstrapServers: string }[] } }>(
      'kafka',
      '-n',
      ns,
      n.kafka,
    );
    assert.deepEqual(
      kafka.status.listeners.map((l) => [l.name, l.bootstrapServers]),
      [['plain', `${n.kafkaBootstrap}.${ns}.svc:9092`]],
    );
    // KRaft: the node is the quorum's only voter and its leader.
    const quorum = await inBroker(
      ns,
      broker,
      'bin/kafka-metadata-quorum.sh',
      '--bootstrap-server',
      'localhost:9092',
      'describe',
      '--status',
    );
    assert.match(quorum, /LeaderId:\s+0/);

    // The topics as the stream says: partitions (at least the consumers' maxReplicas) and retention.
    const stream = await getJson<{
      spec: {
        kafka: { partitions: number; retentionHours: number };
        consumer: { autoscaling: { maxReplicas: number } };
      };
    }>('cryptostream', '-n', ns, name);
    const partitions = Math.max(stream.spec.kafka.partitions, stream.spec.consumer.autoscaling.maxReplicas);
    for (const [topic, count] of [
      ['prices-1m', partitions],
      ['prices-1m-dlq', 1],
    ] as const) {
      const described = await inBroker(
        ns,
        broker,
        'bin/kafka-topics.sh',
        '--bootstrap-server',
        'localhost:9092',
        '--describe',
        '--topic',
        topic,
      );
      assert.match(described, new RegExp(`PartitionCount:\\s+${count}\\b`), described);
      assert.match(
        described,
        new RegExp(`retention\\.ms=${stream.spec.kafka.retentionHours * 3_600_000}\\b`),
        described,
      );
      assert.match(described, /cleanup\.policy=delete/, described);
    }

    // Strimzi's NetworkPolicy opens the plain listener to this stream's producers and consumers only (enforced
    // on this node by kube-network-policies, with the stream's own: the pipeline below runs through both).
    const policy = await getJson<{ spec: { ingress: { ports?: { port: number }[]; from?: unknown[] }[] } }>(
      'networkpolicy',
      '-n',
      ns,
      `${n.kafka}-network-policy-kafka`,
    );
    const peersOf = (component: string) => ({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/component': component, 'cryptostream.io/stream': name },
      },
    });
    assert.deepEqual(policy.spec.ingress.find((rule) => rule.ports?.some((p) => p.port === 9092))?.from, [
      peersOf('producer'),
      peersOf('consumer'),
    ]);

    // The producer and the consumer reach Kafka through the Kafka's bootstrap Service.
    for (const component of ['producer', 'consumer']) {
      const [worker] = await podsOf(ns, `app.kubernetes.io/component=${component}`);
      assert.ok(worker !== undefined && isReady(worker), `a Ready ${component} pod`);
      const env = worker.spec.containers[0]!.env ?? [];
      assert.equal(
        env.find((e) => e.name === 'CRYPTOSTREAM_KAFKA_BROKERS')?.value,
        `${n.kafkaBootstrap}.${ns}.svc:9092`,
      );
    }
  });

  it('the broker pod deleted mid-stream: Strimzi brings it back, every candle stored once, exactly', async () => {
    const stored = await firstStored(c, ns, name, '1m', 300_000, 1_000);
    assert.ok(stored < RECORDED_MINUTES, `mid-stream: ${stored} of ${RECORDED_MINUTES} points stored so far`);
    const [before] = await podsOf(ns, brokers);
    assert.ok(Date.now() < end, 'the broker is deleted while the replay still serves new candles');
    await kubectl('-n', ns, 'delete', 'pod', broker, '--wait=true');
    await until(
      async () => {
        const [back] = await podsOf(ns, brokers);
        return back !== undefined && back.metadata.uid !== before!.metadata.uid && isReady(back)
          ? back
          : undefined;
      },
      `Strimzi re-created ${broker} and it is Ready`,
      300_000,
      2_000,
    );
    await waitReady(c, ns, name, 300_000, 2_000);
    // The replay ends LIVE_MINUTES after the start; then every candle is closed and known.
    await until(
      async () => Date.now() > end + 5_000 || undefined,
      'the replay has served its last candle',
      end - Date.now() + 60_000,
    );
    assert.equal(expectedCount(binance, '1m', markets), RECORDED_MINUTES);
    const after = await streamInflux(c, ns, name);
    try {
      await assertStreamExact(after.run, binance, markets);
    } finally {
      await after.forward.stop();
    }
  });

  it('deleting the stream removes the Kafka cluster, its topics and volumes; nothing stuck in Terminating', async () => {
    await kubectl('-n', ns, 'delete', 'cryptostream', name, '--wait=true', '--timeout=120s');
    const kinds =
      'kafka,kafkanodepool,kafkatopic,strimzipodset,pods,pvc,deployments,statefulsets,services,secrets';
    const left = await until(
      async () => {
        const names = (await kubectl('-n', ns, 'get', kinds, '-o', 'name'))
          .split('\n')
          .filter((l) => l !== '');
        return names.length === 0 ? names : undefined;
      },
      'every child of the stream, Strimzi-made ones included, is gone',
      240_000,
      2_000,
    ).catch(async (e: Error) => {
      const stuck = await kubectl(
        '-n',
        ns,
        'get',
        kinds,
        '-o',
        'custom-columns=NAME:.metadata.name,KIND:.kind,DELETING:.metadata.deletionTimestamp,FINALIZERS:.metadata.finalizers',
      );
      throw new Error(`${e.message}; left:\n${stuck}`);
    });
    assert.deepEqual(left, []);
    // The namespace itself goes too (a KafkaTopic stuck on its finalizer would keep it Terminating).
    await kubectl('delete', 'namespace', ns, '--wait=true', '--timeout=180s');
    await assert.rejects(kubectl('get', 'namespace', ns), /NotFound/);
  });
});
