import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import type { Child } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { nextStatus } from '../../../../src/core/operator/status/status.ts';
import { aCryptoStream, inputs, ready } from '../aCryptoStream.ts';

const MAJORS = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'];
const onLag = (extra: Record<string, unknown> = {}) =>
  aCryptoStream({
    symbols: MAJORS,
    intervals: ['1m'],
    consumer: { autoscaling: { lagThreshold: 500 } },
    ...extra,
  });
const autoscalers = (children: readonly Child[]) =>
  children
    .filter((c) => ['HorizontalPodAutoscaler', 'ScaledObject', 'TriggerAuthentication'].includes(c.kind))
    .map(kindAndName);

describe('the consumers’ autoscaler', () => {
  it('is the HPA on CPU when the stream sets no lag threshold, KEDA or not', () => {
    const cr = aCryptoStream({ symbols: MAJORS, intervals: ['1m'] });
    assert.deepEqual(autoscalers(desiredState(cr, { ...inputs, kedaInstalled: true })), [
      'HorizontalPodAutoscaler/demo-consumer-1m',
    ]);
  });

  it('stays the HPA on CPU without KEDA, even with a lag threshold', () => {
    assert.deepEqual(autoscalers(desiredState(onLag(), inputs)), [
      'HorizontalPodAutoscaler/demo-consumer-1m',
    ]);
  });

  it('is a KEDA ScaledObject on CPU and lag with KEDA, within the same capped replica bounds', () => {
    const children = desiredState(onLag(), { ...inputs, kedaInstalled: true });
    assert.deepEqual(autoscalers(children), ['ScaledObject/demo-consumer-1m']);
    const so = children.find((c) => c.kind === 'ScaledObject') as Child & {
      spec: { minReplicaCount: number; maxReplicaCount: number; triggers: { type: string }[] };
    };
    assert.deepEqual([so.spec.minReplicaCount, so.spec.maxReplicaCount], [1, 4]);
    assert.deepEqual(
      so.spec.triggers.map((t) => t.type),
      ['cpu', 'kafka'],
    );
  });

  it('authenticates KEDA to an external Kafka with the SASL user name from the workers’ Secret', () => {
    const children = desiredState(
      onLag({
        kafka: {
          external: {
            bootstrapServers: 'kafka.example:9096',
            tls: {},
            sasl: { mechanism: 'scram-sha-256', secret: 'kafka-user' },
          },
        },
      }),
      { ...inputs, kedaInstalled: true },
    );
    const auth = children.find((c) => c.kind === 'TriggerAuthentication') as Child & { spec: unknown };
    assert.deepEqual(auth.spec, {
      secretTargetRef: [
        { parameter: 'password', name: 'kafka-user', key: 'password' },
        { parameter: 'username', name: 'kafka-user', key: 'username' },
      ],
    });
    const so = children.find((c) => c.kind === 'ScaledObject') as Child & {
      spec: { triggers: { metadata: Record<string, string>; authenticationRef?: unknown }[] };
    };
    assert.equal(so.spec.triggers[1]!.metadata['sasl'], 'scram_sha256');
    assert.equal(so.spec.triggers[1]!.metadata['tls'], 'enable');
    assert.deepEqual(so.spec.triggers[1]!.authenticationRef, { name: 'demo-kafka-lag' });
  });

  it('needs no TriggerAuthentication for a Kafka with neither a CA nor SASL', () => {
    const external = { bootstrapServers: 'kafka.example:9092' };
    assert.deepEqual(
      autoscalers(desiredState(onLag({ kafka: { external } }), { ...inputs, kedaInstalled: true })),
      ['ScaledObject/demo-consumer-1m'],
    );
  });
});

describe('the Consumers condition of a stream with a lag threshold', () => {
  const consumers = (kedaInstalled: boolean, scaledObjectStatus?: unknown) => {
    const cr = onLag();
    const live = desiredState(cr, { ...inputs, kedaInstalled })
      .map(ready)
      .map((c) =>
        c.kind === 'ScaledObject' && scaledObjectStatus ? { ...c, status: scaledObjectStatus } : c,
      );
    return nextStatus(cr, live, [], '2026-11-30T12:00:00Z').conditions?.find((c) => c.type === 'Consumers');
  };

  it('says the consumers scale on CPU only where KEDA is missing, and stays True', () => {
    const c = consumers(false);
    assert.equal(c?.status, 'True');
    assert.match(
      c!.message,
      /lagThreshold needs KEDA, which this cluster does not serve .*: scaling on CPU only/,
    );
  });

  it('reports the ScaledObject as KEDA reports it', () => {
    assert.match(consumers(true)!.message, /ScaledObject demo-consumer-1m: waiting for KEDA/);
    assert.match(
      consumers(true, { conditions: [{ type: 'Ready', status: 'True' }] })!.message,
      /ScaledObject demo-consumer-1m: KEDA scales on CPU and lag/,
    );
    const broken = consumers(true, {
      conditions: [{ type: 'Ready', status: 'False', message: 'error getting consumer group lag' }],
    });
    assert.equal(broken?.status, 'True', 'the candles flow either way');
    assert.match(broken!.message, /KEDA reports it not ready: error getting consumer group lag/);
  });
});
