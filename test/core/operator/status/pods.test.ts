import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindAndName } from '../../../../src/core/operator/child.ts';
import { desiredState } from '../../../../src/core/operator/desiredState.ts';
import { podTrouble, selectedBy, troubleOf } from '../../../../src/core/operator/status/pods.ts';
import type { Pod } from '../../../../src/core/operator/status/pods.ts';
import { aCryptoStream, aPod, inputs } from '../aCryptoStream.ts';

const children = desiredState(aCryptoStream({ intervals: ['1m'] }), inputs);
const grafana = children.find((c) => kindAndName(c) === 'Deployment/demo-grafana')!;
const consumer = children.find((c) => kindAndName(c) === 'Deployment/demo-consumer-1m')!;
const IMAGE = 'grafana/grafana:12.1.1';

describe('why a pod cannot run', () => {
  it('is the waiting reason of a container stuck on its image, naming the pod, container and image', () => {
    for (const reason of ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName'])
      assert.deepEqual(
        podTrouble(aPod('g-1', grafana, { image: IMAGE, waiting: { reason, message: 'not found' } }) as Pod),
        {
          ready: false,
          reason,
          message: `pod g-1, container grafana, image ${IMAGE}: ${reason}: not found`,
        },
      );
  });

  it('is a crash loop, or a configuration the kubelet cannot find (a missing Secret key)', () => {
    for (const reason of ['CrashLoopBackOff', 'CreateContainerConfigError', 'RunContainerError'])
      assert.equal(
        podTrouble(aPod('g-1', grafana, { image: IMAGE, waiting: { reason } }) as Pod)?.reason,
        reason,
      );
  });

  it('is nothing for a running pod or one that is only starting', () => {
    assert.equal(podTrouble(aPod('g-1', grafana, { image: IMAGE }) as Pod), undefined);
    const creating = aPod('g-1', grafana, { image: IMAGE, waiting: { reason: 'ContainerCreating' } });
    assert.equal(podTrouble(creating as Pod), undefined);
    assert.equal(podTrouble({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'g-1' } }), undefined);
  });

  it('looks at init containers too', () => {
    const pod: Pod = {
      kind: 'Pod',
      metadata: { name: 'i-1' },
      status: {
        initContainerStatuses: [
          { name: 'init', image: 'busybox:1', state: { waiting: { reason: 'ErrImagePull' } } },
        ],
      },
    };
    assert.equal(podTrouble(pod)?.message, 'pod i-1, container init, image busybox:1: ErrImagePull');
  });

  it('is a pod the scheduler cannot place, with its message', () => {
    const pod: Pod = {
      kind: 'Pod',
      metadata: { name: 'p-1' },
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient memory.',
          },
        ],
      },
    };
    assert.deepEqual(podTrouble(pod), {
      ready: false,
      reason: 'Unschedulable',
      message: 'pod p-1 cannot be scheduled: 0/1 nodes are available: 1 Insufficient memory.',
    });
  });

  it('shortens a long kubelet message', () => {
    const long = 'x'.repeat(5000);
    const message = podTrouble(
      aPod('g-1', grafana, { image: IMAGE, waiting: { reason: 'ErrImagePull', message: long } }) as Pod,
    )?.message;
    assert.ok(message !== undefined && message.length < 400 && message.endsWith('...'), message);
  });
});

describe('the trouble of a workload’s pods', () => {
  const stuck = (name: string) =>
    aPod(name, consumer, { image: 'cs:1', waiting: { reason: 'CrashLoopBackOff' } }) as Pod;

  it('is the first stuck pod by name, and how many more are stuck, whatever their order', () => {
    const pods = [stuck('c-3'), aPod('c-0', consumer, { image: 'cs:1' }) as Pod, stuck('c-1'), stuck('c-2')];
    const expected = 'pod c-1, container consumer, image cs:1: CrashLoopBackOff (and 2 more pods)';
    assert.equal(troubleOf(pods)?.message, expected);
    assert.equal(troubleOf([...pods].reverse())?.message, expected);
    assert.equal(troubleOf([aPod('c-0', consumer, { image: 'cs:1' }) as Pod]), undefined);
  });

  it('leaves out pods that are being deleted', () => {
    const leaving = {
      ...stuck('c-1'),
      metadata: { ...stuck('c-1').metadata, deletionTimestamp: new Date(0) },
    };
    assert.equal(troubleOf([leaving]), undefined);
  });
});

describe('the pods of a workload', () => {
  it('are those with every label of its selector', () => {
    const grafanaPod = aPod('g-1', grafana, { image: IMAGE }) as Pod;
    const consumerPod = aPod('c-1', consumer, { image: 'cs:1' }) as Pod;
    assert.equal(selectedBy(grafana)(grafanaPod), true);
    assert.equal(selectedBy(grafana)(consumerPod), false);
    assert.equal(selectedBy(consumer)(consumerPod), true);
    const otherStream = {
      ...grafanaPod,
      metadata: {
        ...grafanaPod.metadata,
        labels: { ...grafanaPod.metadata!.labels, 'cryptostream.io/stream': 'other' },
      },
    };
    assert.equal(selectedBy(grafana)(otherStream), false);
  });

  it('are none for a workload without a selector', () => {
    assert.equal(
      selectedBy({ kind: 'Deployment', spec: {} })(aPod('g-1', grafana, { image: IMAGE }) as Pod),
      false,
    );
  });
});
