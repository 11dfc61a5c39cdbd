import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../src/core/operator/child.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import { podPlacement, withRequiredLabels } from '../../../src/core/operator/podTemplate.ts';
import { aCryptoStream, inputs } from './aCryptoStream.ts';

type PodSpec = Record<string, unknown>;
type StrimziTemplate = { pod?: Record<string, unknown> };
type KafkaSpec = {
  kafka: { template: StrimziTemplate };
  entityOperator: { template: StrimziTemplate };
};

const PLACEMENT = ['imagePullSecrets', 'nodeSelector', 'tolerations', 'affinity', 'priorityClassName'];

/** Every pod template of the stream's own workloads (Deployments and the StatefulSet), by child. */
const podSpecs = (children: Child[]): [string, PodSpec][] =>
  children
    .filter((c) => c.kind === 'Deployment' || c.kind === 'StatefulSet')
    .map((c) => [kindAndName(c), (c['spec'] as { template: { spec: PodSpec } }).template.spec]);
const placementOf = (spec: PodSpec): PodSpec =>
  Object.fromEntries(Object.entries(spec).filter(([k]) => PLACEMENT.includes(k)));
const find = (children: Child[], id: string): Child => {
  const found = children.find((c) => kindAndName(c) === id);
  assert.ok(found, `${id} is desired`);
  return found;
};
const kafkaSpec = (children: Child[]): KafkaSpec => find(children, 'Kafka/demo')['spec'] as KafkaSpec;

const template = {
  imagePullSecrets: [{ name: 'regcred' }],
  nodeSelector: { 'node.example.com/pool': 'markets', 'kubernetes.io/arch': 'amd64' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'markets', effect: 'NoSchedule' }],
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: { 'cryptostream.io/stream': 'demo' } },
          },
        },
      ],
    },
  },
  priorityClassName: 'markets-high',
};

describe("a stream's pod template (spec.template)", () => {
  const cr = aCryptoStream({ intervals: ['1m', '1h'], template });
  const children = desiredState(cr, inputs);

  it('goes into every pod the operator builds: the producer, consumers, InfluxDB and Grafana', () => {
    const specs = podSpecs(children);
    assert.deepEqual(specs.map(([id]) => id).sort(), [
      'Deployment/demo-consumer-1h',
      'Deployment/demo-consumer-1m',
      'Deployment/demo-grafana',
      'Deployment/demo-producer',
      'StatefulSet/demo-influxdb',
    ]);
    for (const [id, spec] of specs) assert.deepEqual(placementOf(spec), template, id);
  });

  it("goes into Strimzi's pod templates of the Kafka nodes and the entity operator, the node labels as a required node affinity", () => {
    const expected = {
      imagePullSecrets: template.imagePullSecrets,
      tolerations: template.tolerations,
      priorityClassName: 'markets-high',
      affinity: {
        ...template.affinity,
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
                  { key: 'node.example.com/pool', operator: 'In', values: ['markets'] },
                ],
              },
            ],
          },
        },
      },
    };
    const spec = kafkaSpec(children);
    assert.deepEqual(spec.kafka.template.pod, expected);
    assert.deepEqual(spec.entityOperator.template.pod, expected);
    assert.ok('kafkaContainer' in spec.kafka.template, 'the restricted container settings stay');
    assert.ok('topicOperatorContainer' in spec.entityOperator.template);
  });

  it('leaves every pod as it was when the stream has none (existing streams do not roll)', () => {
    const plain = desiredState(aCryptoStream({ intervals: ['1m', '1h'] }), inputs);
    for (const [id, spec] of podSpecs(plain)) assert.deepEqual(placementOf(spec), {}, id);
    assert.equal(kafkaSpec(plain).kafka.template.pod, undefined);
    assert.equal(kafkaSpec(plain).entityOperator.template.pod, undefined);
  });

  it('sets only the fields it has, and leaves out empty lists and maps (the API server would not store them)', () => {
    const some = desiredState(
      aCryptoStream({ template: { tolerations: [{ operator: 'Exists' }], nodeSelector: {} } }),
      inputs,
    );
    for (const [id, spec] of podSpecs(some))
      assert.deepEqual(placementOf(spec), { tolerations: [{ operator: 'Exists' }] }, id);
    assert.deepEqual(kafkaSpec(some).kafka.template.pod, { tolerations: [{ operator: 'Exists' }] });
    assert.deepEqual(podPlacement({ imagePullSecrets: [], affinity: {} }), {});
  });
});

describe("the operator's image pull secrets", () => {
  const withSecrets = { ...inputs, imagePullSecrets: ['operator-regcred'] };

  it('go to the pods of its own images (workers, InfluxDB, Grafana) of a stream that names none', () => {
    const children = desiredState(aCryptoStream({ intervals: ['1m'] }), withSecrets);
    for (const [id, spec] of podSpecs(children))
      assert.deepEqual(placementOf(spec), { imagePullSecrets: [{ name: 'operator-regcred' }] }, id);
  });

  it("are not for Strimzi's pods, whose images Strimzi pulls with its own configuration", () => {
    const children = desiredState(aCryptoStream(), withSecrets);
    assert.equal(kafkaSpec(children).kafka.template.pod, undefined);
    assert.equal(kafkaSpec(children).entityOperator.template.pod, undefined);
  });

  it("give way to the stream's own, and [] in the stream means none", () => {
    const own = desiredState(
      aCryptoStream({ template: { imagePullSecrets: [{ name: 'team-regcred' }], priorityClassName: 'p' } }),
      withSecrets,
    );
    for (const [id, spec] of podSpecs(own))
      assert.deepEqual(
        placementOf(spec),
        { imagePullSecrets: [{ name: 'team-regcred' }], priorityClassName: 'p' },
        id,
      );
    const none = desiredState(aCryptoStream({ template: { imagePullSecrets: [] } }), withSecrets);
    for (const [id, spec] of podSpecs(none)) assert.deepEqual(placementOf(spec), {}, id);
  });

  it('join the rest of a stream template that names no pull secrets', () => {
    const children = desiredState(
      aCryptoStream({ template: { nodeSelector: { pool: 'markets' } } }),
      withSecrets,
    );
    for (const [id, spec] of podSpecs(children))
      assert.deepEqual(
        placementOf(spec),
        { imagePullSecrets: [{ name: 'operator-regcred' }], nodeSelector: { pool: 'markets' } },
        id,
      );
  });
});

describe('node labels as a required node affinity (Strimzi has no nodeSelector)', () => {
  it('are required in every term of an existing required node affinity, since terms are alternatives', () => {
    const affinity = withRequiredLabels(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }] },
            ],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
          ],
        },
      },
      { pool: 'markets' },
    );
    const pool = { key: 'pool', operator: 'In', values: ['markets'] };
    assert.deepEqual(affinity?.nodeAffinity, {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, pool] },
          {
            matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-7'] }],
            matchExpressions: [pool],
          },
        ],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
      ],
    });
  });

  it('leave the affinity as it is when there are none', () => {
    assert.equal(withRequiredLabels(undefined, {}), undefined);
    const affinity = { podAffinity: {} };
    assert.equal(withRequiredLabels(affinity, {}), affinity);
  });
});

describe('storage classes', () => {
  type Claim = { spec: { storageClassName?: string } };
  type Volume = { class?: string; size: string };
  const claimOf = (children: Child[]): Claim =>
    (find(children, 'StatefulSet/demo-influxdb')['spec'] as { volumeClaimTemplates: Claim[] })
      .volumeClaimTemplates[0]!;
  const volumeOf = (children: Child[]): Volume =>
    (find(children, 'KafkaNodePool/demo-pool')['spec'] as { storage: { volumes: Volume[] } }).storage
      .volumes[0]!;

  it("put InfluxDB's volume and the Kafka nodes' volumes on the classes the stream names", () => {
    const children = desiredState(
      aCryptoStream({
        influxdb: { storageClassName: 'fast-ssd' },
        kafka: { storageClassName: 'kafka-ssd' },
      }),
      inputs,
    );
    assert.equal(claimOf(children).spec.storageClassName, 'fast-ssd');
    assert.equal(volumeOf(children).class, 'kafka-ssd');
  });

  it("leave both to the cluster's default StorageClass when unset", () => {
    const children = desiredState(aCryptoStream(), inputs);
    assert.equal('storageClassName' in claimOf(children).spec, false);
    assert.equal('class' in volumeOf(children), false);
  });
});
