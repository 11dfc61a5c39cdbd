/**
 * Consumers that scale on lag: with spec.consumer.autoscaling.lagThreshold, the operator hands the consumers'
 * autoscaling to KEDA (a ScaledObject with a CPU and a Kafka trigger, validated here by KEDA's own CRDs, which
 * `npm run services:up` installs) instead of its HorizontalPodAutoscaler, and back when the threshold goes.
 * KEDA itself does not run here (its ScaledObjects get no status).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, operatorInFreshNamespace } from './cluster.ts';

type Obj = KubernetesObject & { spec?: Record<string, unknown> };
const { kube } = cluster();

const get = (apiVersion: string, kind: string, namespace: string, name: string) =>
  kube.get<Obj>(resourceOf(apiVersion, kind), namespace, name);
const scaledObject = (ns: string, name: string) => get('keda.sh/v1alpha1', 'ScaledObject', ns, name);
const hpa = (ns: string, name: string) => get('autoscaling/v2', 'HorizontalPodAutoscaler', ns, name);

const MAJORS = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'];

describe('consumers scaling on lag through KEDA, on a real API server with KEDA’s CRDs', () => {
  const f = operatorInFreshNamespace('lag');

  it('replaces the HPA with a ScaledObject on CPU and lag, and restores the HPA when the threshold goes', async () => {
    const spec = (lagThreshold?: number) => ({
      symbols: MAJORS,
      intervals: ['1m'],
      consumer: {
        autoscaling: { maxReplicas: 8, ...(lagThreshold === undefined ? {} : { lagThreshold }) },
      },
    });
    await kube.apply(aStream(f.ns, 'lag', spec(500)));
    const so = await eventually(() => scaledObject(f.ns, 'lag-consumer-1m'), 'the ScaledObject exists');
    assert.deepEqual(so.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lag-consumer-1m' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      triggers: [
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
        {
          type: 'kafka',
          metadata: {
            bootstrapServers: `lag-kafka-bootstrap.${f.ns}.svc:9092`,
            consumerGroup: 'consumer-1m',
            topic: 'prices-1m',
            lagThreshold: '500',
            offsetResetPolicy: 'earliest',
            allowIdleConsumers: 'false',
          },
        },
      ],
    });
    await eventually(async () => (await hpa(f.ns, 'lag-consumer-1m')) === undefined, 'no HPA of ours');
    const kafka = await get('kafka.strimzi.io/v1', 'Kafka', f.ns, 'lag');
    const listener = (kafka?.spec as { kafka: { listeners: { networkPolicyPeers: unknown[] }[] } }).kafka
      .listeners[0]!;
    assert.deepEqual(
      listener.networkPolicyPeers.at(-1),
      { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } } },
      "KEDA's operator may read the consumer groups' offsets from the brokers",
    );

    await kube.apply(aStream(f.ns, 'lag', spec()));
    await eventually(() => hpa(f.ns, 'lag-consumer-1m'), 'the HPA is back');
    await eventually(
      async () => (await scaledObject(f.ns, 'lag-consumer-1m')) === undefined,
      'the ScaledObject is deleted',
    );
  });

  it('gives KEDA the external Kafka’s CA and SASL credentials from the workers’ own Secrets', async () => {
    await kube.apply(
      aStream(f.ns, 'ext', {
        symbols: MAJORS,
        intervals: ['1h'],
        kafka: {
          external: {
            bootstrapServers: 'kafka.example:9093',
            tls: { caSecret: { name: 'cluster-ca' } },
            sasl: { mechanism: 'scram-sha-512', secret: 'kafka-user', username: 'cryptostream' },
          },
        },
        consumer: { autoscaling: { lagThreshold: 1000 } },
      }),
    );
    const so = await eventually(() => scaledObject(f.ns, 'ext-consumer-1h'), 'the ScaledObject exists');
    const [, lag] = (so.spec as { triggers: Record<string, unknown>[] }).triggers;
    assert.deepEqual(lag, {
      type: 'kafka',
      metadata: {
        bootstrapServers: 'kafka.example:9093',
        consumerGroup: `cryptostream.${f.ns}.ext.consumer-1h`,
        topic: `cryptostream.${f.ns}.ext.prices-1h`,
        lagThreshold: '1000',
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
        tls: 'enable',
        sasl: 'scram_sha512',
      },
      authenticationRef: { name: 'ext-kafka-lag' },
    });
    const auth = await eventually(
      () => get('keda.sh/v1alpha1', 'TriggerAuthentication', f.ns, 'ext-kafka-lag'),
      'the TriggerAuthentication exists',
    );
    assert.deepEqual(auth.spec, {
      secretTargetRef: [
        { parameter: 'ca', name: 'cluster-ca', key: 'ca.crt' },
        { parameter: 'password', name: 'kafka-user', key: 'password' },
      ],
      env: [{ parameter: 'username', name: 'CRYPTOSTREAM_KAFKA_SASL_USERNAME', containerName: 'consumer' }],
    });
  });
});
