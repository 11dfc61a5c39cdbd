import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1EnvVar } from '@kubernetes/client-node';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import { kindAndName, labelsFor, selectorLabels } from '../../../src/core/operator/child.ts';
import type { Child } from '../../../src/core/operator/child.ts';
import { desiredState } from '../../../src/core/operator/desiredState.ts';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { CRYPTOSTREAM, resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, freshStreamNamespace, IMAGE, runOperator } from './cluster.ts';

type Obj = KubernetesObject & Record<string, unknown>;
type PodSpec = { containers: { env: V1EnvVar[] }[] };
type DeploymentSpec = {
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
};
const { kc, kube } = cluster();
const DEPLOYMENT = resourceOf('apps/v1', 'Deployment');

const NAME = 'legacy';
const INTERVALS: readonly Interval[] = ['1m', '1h'];
const PRODUCER = `${NAME}-producer`;

const isProducer = (o: Obj): boolean => o.metadata?.labels?.['app.kubernetes.io/component'] === 'producer';
const specOf = (o: Obj | undefined) => o?.['spec'] as DeploymentSpec;
const envOf = (o: Obj | undefined): Record<string, string | undefined> =>
  Object.fromEntries(specOf(o).template.spec.containers[0]!.env.map((e) => [e.name, e.value]));

/**
 * A producer of the operator before issue 14: one Deployment per interval, `<name>-producer-<interval>`, labelled
 * (and selecting its pods) with the interval, CRYPTOSTREAM_INTERVAL in place of CRYPTOSTREAM_INTERVALS, owned by
 * the stream; otherwise today's producer. Applied with the operator's field manager, as that operator did.
 */
const earlierProducer = (cr: CryptoStream, interval: Interval): Child => {
  const credentials = { influxPassword: 'p', influxToken: 't', grafanaPassword: 'g' };
  const current = desiredState(cr, { image: IMAGE, credentials }).find(
    (c) => kindAndName(c) === `Deployment/${PRODUCER}`,
  )!;
  const spec = current['spec'] as DeploymentSpec;
  const labels = labelsFor(cr, 'producer', interval);
  const container = spec.template.spec.containers[0]!;
  return {
    ...current,
    metadata: { ...current.metadata, name: `${PRODUCER}-${interval}`, labels },
    spec: {
      ...spec,
      selector: { matchLabels: selectorLabels(cr, 'producer', interval) },
      template: {
        metadata: { labels },
        spec: {
          ...spec.template.spec,
          containers: [
            {
              ...container,
              env: container.env.map((e) =>
                e.name === 'CRYPTOSTREAM_INTERVALS' ? { name: 'CRYPTOSTREAM_INTERVAL', value: interval } : e,
              ),
            },
          ],
        },
      },
    },
  };
};

/** The ReplicaSets of the namespace (the operator's client knows only its own kinds: the plain request). */
const replicaSets = async (ns: string): Promise<Obj[]> => {
  const r = await kube.request('GET', `/apis/apps/v1/namespaces/${ns}/replicasets`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as { items: Obj[] }).items;
};

describe('a stream whose per-interval producers an earlier operator version made, on a real API server', () => {
  const f = freshStreamNamespace('producers');

  it('deletes the per-interval producers and creates the one producer of every interval', async () => {
    await kube.apply(aStream(f.ns, NAME, { symbols: ['BTCUSDC', 'ETHUSDC'], intervals: [...INTERVALS] }));
    const cr = defaulted((await kube.get<CryptoStream>(CRYPTOSTREAM, f.ns, NAME))!);
    const earlier = await Promise.all(INTERVALS.map((i) => kube.apply<Obj>(earlierProducer(cr, i))));
    for (const [i, d] of earlier.entries()) {
      assert.equal(d.metadata?.labels?.['cryptostream.io/interval'], INTERVALS[i]);
      assert.equal(d.metadata?.ownerReferences?.[0]?.uid, cr.metadata.uid, 'owned by the stream');
    }
    // The deployment controller gives each its ReplicaSet, as in the cluster being upgraded.
    await eventually(
      async () =>
        (await replicaSets(f.ns)).filter((rs) =>
          earlier.some((d) => rs.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid),
        ).length === INTERVALS.length,
      'each earlier producer has its ReplicaSet',
    );

    f.op = runOperator(kc, f.ns);
    const producer = await eventually(async () => {
      const gone = await Promise.all(
        INTERVALS.map(async (i) => (await kube.get(DEPLOYMENT, f.ns, `${PRODUCER}-${i}`)) === undefined),
      );
      const one = await kube.get<Obj>(DEPLOYMENT, f.ns, PRODUCER);
      return gone.every(Boolean) && one;
    }, 'the per-interval producers are gone and the one producer exists');

    assert.equal(envOf(producer)['CRYPTOSTREAM_INTERVALS'], '1m,1h');
    assert.equal(envOf(producer)['CRYPTOSTREAM_INTERVAL'], undefined);
    assert.equal(envOf(producer)['CRYPTOSTREAM_SYMBOL_PARTITIONS'], 'BTCUSDC:0,ETHUSDC:1');
    assert.equal(producer.metadata?.labels?.['cryptostream.io/interval'], undefined);
    assert.deepEqual(specOf(producer).selector.matchLabels, selectorLabels(cr, 'producer'));
    assert.deepEqual(
      producer.metadata?.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
      [['CryptoStream', cr.metadata.uid, true]],
    );
    // The consumers stay one per interval.
    for (const i of INTERVALS) assert.ok(await kube.get(DEPLOYMENT, f.ns, `${NAME}-consumer-${i}`), i);

    // Deleted in the background: the garbage collector takes their ReplicaSets; the new producer adopts none.
    await eventually(
      async () =>
        (await replicaSets(f.ns)).every(
          (rs) => rs.metadata?.labels?.['cryptostream.io/interval'] === undefined || !isProducer(rs),
        ),
      "the earlier producers' ReplicaSets are garbage-collected",
      60_000,
    );
    for (const rs of (await replicaSets(f.ns)).filter(isProducer))
      assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, producer.metadata?.uid, rs.metadata?.name);

    const events = await kube.request('GET', `/apis/events.k8s.io/v1/namespaces/${f.ns}/events`);
    const pruned = (events.body as { items: { reason: string; note: string }[] }).items
      .filter((e) => e.reason === 'Pruned')
      .map((e) => e.note);
    assert.equal(pruned.length, 1, pruned.join('\n'));
    assert.deepEqual(
      pruned[0]!
        .replace(/^deleted /, '')
        .split(', ')
        .sort(),
      INTERVALS.map((i) => `Deployment/${PRODUCER}-${i}`).sort(),
    );
  });

  it('counts the one producer in the Producers condition', async () => {
    const condition = await eventually(async () => {
      const c = (await kube.get<CryptoStream>(CRYPTOSTREAM, f.ns, NAME))?.status?.conditions?.find(
        (x) => x.type === 'Producers',
      );
      return c?.message.startsWith(`Deployment ${PRODUCER}: `) ? c : undefined;
    }, 'the Producers condition names the one producer');
    assert.doesNotMatch(condition.message, /producer-1/, 'nor any earlier one');
    assert.doesNotMatch(condition.message, /;/, 'one Deployment only');
  });
});
