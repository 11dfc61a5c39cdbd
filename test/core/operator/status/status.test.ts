import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../../src/api/v1alpha1/cryptostream.ts';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { nextStatus } from '../../../../src/core/operator/status/status.ts';
import { aCryptoStream, aPod, inputs, ready } from '../aCryptoStream.ts';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';

const conditionOf = (cr: CryptoStream, type: string, children: KubernetesObject[], now = T0) =>
  nextStatus(cr, children, [], now).conditions?.find((c) => c.type === type);

describe('the status of a CryptoStream', () => {
  const cr = aCryptoStream({ intervals: ['1m'] });
  const children = desiredState(cr, inputs);
  const allReady = children.map(ready);

  it('is Ready when every component reports ready', () => {
    const status = nextStatus(cr, allReady, [], T0);
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['Ready=True', 'Kafka=True', 'InfluxDB=True', 'Grafana=True', 'Producers=True', 'Consumers=True'],
    );
    assert.equal(status.observedGeneration, 1);
  });

  it('lists the in-cluster endpoints', () => {
    assert.deepEqual(nextStatus(cr, allReady, [], T0).endpoints, {
      kafka: 'demo-kafka-bootstrap.markets.svc:9092',
      influxdb: 'http://demo-influxdb.markets.svc:8086',
      grafana: 'http://demo-grafana.markets.svc:3000',
    });
  });

  it('takes the Kafka condition from the Strimzi Kafka status', () => {
    const notReady = allReady.map((o) =>
      o.kind === 'Kafka'
        ? {
            ...o,
            status: {
              observedGeneration: 1,
              conditions: [
                {
                  type: 'NotReady',
                  status: 'True',
                  reason: 'InvalidResourceException',
                  message: 'bad config',
                },
                { type: 'Ready', status: 'False' },
              ],
            },
          }
        : o,
    );
    const kafka = conditionOf(cr, 'Kafka', notReady);
    assert.equal(kafka?.status, 'False');
    assert.equal(kafka?.reason, 'InvalidResourceException');
    assert.match(kafka?.message ?? '', /Kafka demo is not ready: bad config/);
    assert.equal(conditionOf(cr, 'Ready', notReady)?.reason, 'KafkaNotReady');
  });

  it('waits for Strimzi while the Kafka has no status', () => {
    const pending = allReady.map((o) => (o.kind === 'Kafka' ? { ...o, status: {} } : o));
    assert.equal(conditionOf(cr, 'Kafka', pending)?.reason, 'Pending');
  });

  it('reports consumers that are not ready yet, with their replica counts', () => {
    const starting = allReady.map((o) =>
      o.metadata?.name === 'demo-consumer-1m'
        ? { ...o, status: { observedGeneration: 1, replicas: 1, readyReplicas: 0, updatedReplicas: 1 } }
        : o,
    );
    const consumers = conditionOf(cr, 'Consumers', starting);
    assert.equal(consumers?.status, 'False');
    assert.equal(consumers?.reason, 'Unavailable');
    assert.equal(consumers?.message, 'Deployment demo-consumer-1m: 0/1 replicas ready');
  });

  it('reports a missing child as not created', () => {
    const missing = allReady.filter((o) => o.metadata?.name !== 'demo-producer');
    assert.equal(conditionOf(cr, 'Producers', missing)?.reason, 'NotCreated');
  });

  it('reports a child the API server refused, with its message', () => {
    const hpa = children.find((c) => c.kind === 'HorizontalPodAutoscaler')!;
    const status = nextStatus(cr, allReady, [{ child: hpa, message: 'forbidden' }], T0);
    const consumers = status.conditions?.find((c) => c.type === 'Consumers');
    assert.equal(consumers?.reason, 'ApplyFailed');
    assert.match(
      consumers?.message ?? '',
      /HorizontalPodAutoscaler demo-consumer-1m could not be applied: forbidden/,
    );
  });

  it('names a name conflict in Ready, whichever component it is in (Grafana too)', () => {
    const grafana = children.find((c) => c.kind === 'Deployment' && c.metadata.name === 'demo-grafana')!;
    const message = 'Deployment demo-grafana already exists (not created by this stream); …';
    const status = nextStatus(cr, allReady, [{ child: grafana, message, reason: 'NameConflict' }], T0);
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual(
      [ready?.status, ready?.reason, ready?.message],
      ['False', 'NameConflict', `Grafana: ${message}`],
    );
    assert.equal(status.conditions?.find((c) => c.type === 'Grafana')?.reason, 'NameConflict');
  });

  it('is unchanged when nothing changed, so a converged stream gets no status write', () => {
    const first = nextStatus(cr, allReady, [], T0);
    assert.deepEqual(nextStatus({ ...cr, status: first }, allReady, [], T1), first);
  });

  it('moves a transition time only when the condition flips', () => {
    const first = nextStatus(cr, allReady, [], T0);
    const degraded = allReady.filter((o) => o.metadata?.name !== 'demo-producer');
    const second = nextStatus({ ...cr, status: first }, degraded, [], T1);
    const time = (type: string) => second.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    assert.equal(time('Producers'), T1);
    assert.equal(time('Ready'), T1);
    assert.equal(time('Kafka'), T0);
  });

  /** Every child ready but one Deployment, whose pod waits for `reason`; `image` is the container's. */
  const stuckDeployment = (name: string, image: string, waiting: { reason: string; message: string }) => {
    const deployment = allReady.find((o) => kindAndName(o) === `Deployment/${name}`)!;
    return [
      ...allReady.filter((o) => o !== deployment),
      { ...deployment, status: { observedGeneration: 1, replicas: 1, readyReplicas: 0, updatedReplicas: 1 } },
      aPod(`${name}-7d9f-x2x4q`, deployment, { image, waiting }),
    ];
  };

  it('is Ready with a Grafana that cannot start, which says why in its own condition', () => {
    const stuck = stuckDeployment('demo-grafana', 'grafana/grafana:12.1.1', {
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "grafana/grafana:12.1.1"',
    });
    const status = nextStatus(cr, stuck, [], T0);
    const condition = (type: string) => status.conditions?.find((c) => c.type === type);
    assert.equal(condition('Grafana')?.status, 'False');
    assert.equal(condition('Grafana')?.reason, 'ImagePullBackOff');
    assert.equal(
      condition('Grafana')?.message,
      'Deployment demo-grafana: 0/1 replicas ready; pod demo-grafana-7d9f-x2x4q, container grafana, image grafana/grafana:12.1.1: ImagePullBackOff: Back-off pulling image "grafana/grafana:12.1.1"',
    );
    assert.equal(condition('Ready')?.status, 'True');
    assert.equal(condition('Ready')?.message, 'Kafka, InfluxDB, the producer and the consumers are ready');
  });

  it('is not Ready with a component of the data path down, and names it', () => {
    const stuck = stuckDeployment('demo-producer', inputs.image, {
      reason: 'CreateContainerConfigError',
      message: 'secret "kafka-user" not found',
    });
    assert.equal(conditionOf(cr, 'Producers', stuck)?.reason, 'CreateContainerConfigError');
    assert.match(conditionOf(cr, 'Producers', stuck)?.message ?? '', /secret "kafka-user" not found/);
    assert.equal(conditionOf(cr, 'Ready', stuck)?.reason, 'ProducersNotReady');
  });

  it('says Grafana is disabled rather than missing', () => {
    const noGrafana = aCryptoStream({ intervals: ['1m'], grafana: { enabled: false } });
    const grafana = conditionOf(noGrafana, 'Grafana', desiredState(noGrafana, inputs).map(ready));
    assert.equal(grafana?.status, 'True');
    assert.equal(grafana?.reason, 'Disabled');
  });
});

describe('the Producers condition of a stream of several intervals', () => {
  const cr = aCryptoStream({ intervals: ['1s', '1m', '15m'] });
  const allReady = desiredState(cr, inputs).map(ready);

  it('counts the one producer Deployment of every interval', () => {
    const producers = conditionOf(cr, 'Producers', allReady);
    assert.deepEqual(
      [producers?.status, producers?.reason, producers?.message],
      ['True', 'Ready', 'Deployment demo-producer: 1/1 replicas ready'],
    );
    const missing = conditionOf(
      cr,
      'Producers',
      allReady.filter((o) => o.metadata?.name !== 'demo-producer'),
    );
    assert.deepEqual(
      [missing?.status, missing?.reason, missing?.message],
      ['False', 'NotCreated', 'Deployment demo-producer does not exist yet'],
    );
  });

  it('ignores the per-interval producers of an earlier version, pruned meanwhile', () => {
    const earlier = (['1s', '1m', '15m'] as const).map((i) =>
      ready({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `demo-producer-${i}`, namespace: 'markets' },
        spec: { replicas: 1 },
      }),
    );
    const withoutProducer = allReady.filter((o) => o.metadata?.name !== 'demo-producer');
    assert.equal(conditionOf(cr, 'Producers', [...withoutProducer, ...earlier])?.reason, 'NotCreated');
    assert.equal(
      conditionOf(cr, 'Producers', [...allReady, ...earlier])?.message,
      'Deployment demo-producer: 1/1 replicas ready',
    );
  });
});

describe('the status of a CryptoStream on an external Kafka', () => {
  const cr = aCryptoStream({
    intervals: ['1m'],
    kafka: {
      external: {
        bootstrapServers: 'b-1.msk.example.com:9096,b-2.msk.example.com:9096',
        tls: {},
        sasl: { mechanism: 'scram-sha-512', secret: 'msk-user' },
      },
    },
  });
  const allReady = desiredState(cr, inputs).map(ready);

  it('names the external Kafka as its Kafka endpoint', () => {
    assert.equal(
      nextStatus(cr, allReady, [], T0).endpoints?.kafka,
      'b-1.msk.example.com:9096,b-2.msk.example.com:9096',
    );
  });

  it('has a Kafka condition that says External and how the workers connect, instead of waiting for Strimzi', () => {
    const kafka = conditionOf(cr, 'Kafka', allReady);
    assert.equal(kafka?.status, 'True');
    assert.equal(kafka?.reason, 'External');
    assert.equal(
      kafka?.message,
      "external Kafka b-1.msk.example.com:9096,b-2.msk.example.com:9096 (TLS trusting the system's root certificates, SASL scram-sha-512 with the user name and password in Secret msk-user); the producer and the consumers create their topics there (cryptostream.markets.demo.prices-<interval> and its -dlq)",
    );
  });

  it('is Ready when InfluxDB, the producer and the consumers are', () => {
    assert.equal(conditionOf(cr, 'Ready', allReady)?.status, 'True');
    const noConsumer = allReady.filter((o) => o.metadata?.name !== 'demo-consumer-1m');
    assert.equal(conditionOf(cr, 'Ready', noConsumer)?.reason, 'ConsumersNotReady');
  });
});
