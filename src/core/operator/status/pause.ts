import type { CryptoStream, CryptoStreamStatus } from '../../../api/v1alpha1/cryptostream.ts';
import { setCondition } from './conditions.ts';

/** As Strimzi's strimzi.io/pause-reconciliation: "true" stops the operator from changing the stream's children. */
export const PAUSE_ANNOTATION = 'cryptostream.io/pause-reconciliation';
export const PAUSED_CONDITION = 'ReconciliationPaused';

export const isPaused = (cr: CryptoStream): boolean => cr.metadata.annotations?.[PAUSE_ANNOTATION] === 'true';

/**
 * The status of a paused stream: what it was, plus ReconciliationPaused=True. Nothing else is recomputed
 * (the operator looks at nothing while paused), and observedGeneration stays at the last generation it
 * reconciled, so a spec change made meanwhile shows as not yet observed.
 */
export const pausedStatus = (cr: CryptoStream, now: string): CryptoStreamStatus => ({
  ...cr.status,
  conditions: setCondition(
    cr.status?.conditions ?? [],
    {
      type: PAUSED_CONDITION,
      status: 'True',
      reason: 'Paused',
      message: `${PAUSE_ANNOTATION}=true: the operator changes nothing of this stream until the annotation is removed`,
    },
    cr.metadata.generation,
    now,
  ),
});
