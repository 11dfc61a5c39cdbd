import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CryptoStream } from '../../../../src/api/v1alpha1/cryptostream.ts';
import { isPaused, PAUSE_ANNOTATION, pausedStatus } from '../../../../src/core/operator/status/pause.ts';
import { nextStatus } from '../../../../src/core/operator/status/status.ts';
import { aCryptoStream } from '../aCryptoStream.ts';

const T0 = '2026-11-30T00:00:00Z';
const T1 = '2026-11-30T00:01:00Z';
const annotated = (cr: CryptoStream, value: string): CryptoStream => ({
  ...cr,
  metadata: { ...cr.metadata, annotations: { [PAUSE_ANNOTATION]: value } },
});

describe('pausing a stream', () => {
  const running = aCryptoStream({}, 3);
  const reconciled = { ...running, status: nextStatus(running, [], [], T0) };

  it('takes the annotation set to "true", nothing else', () => {
    assert.equal(isPaused(running), false);
    assert.equal(isPaused(annotated(running, 'true')), true);
    assert.equal(isPaused(annotated(running, 'yes')), false);
  });

  it('keeps the status as it was and adds ReconciliationPaused=True; observedGeneration stays behind', () => {
    const changed = { ...annotated(reconciled, 'true'), metadata: { ...reconciled.metadata, generation: 4 } };
    const status = pausedStatus(changed, T1);
    assert.equal(status.observedGeneration, 3);
    assert.deepEqual(
      status.conditions?.filter((c) => c.type !== 'ReconciliationPaused'),
      reconciled.status.conditions,
    );
    const paused = status.conditions?.find((c) => c.type === 'ReconciliationPaused');
    assert.deepEqual([paused?.status, paused?.reason, paused?.lastTransitionTime], ['True', 'Paused', T1]);
  });

  it('leaves no ReconciliationPaused condition once the pause ends', () => {
    const wasPaused = { ...reconciled, status: pausedStatus(annotated(reconciled, 'true'), T1) };
    assert.deepEqual(
      nextStatus(wasPaused, [], [], T1).conditions?.map((c) => c.type),
      ['Ready', 'Kafka', 'InfluxDB', 'Grafana', 'Producers', 'Consumers'],
    );
  });
});
