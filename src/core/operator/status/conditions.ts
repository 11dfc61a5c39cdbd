import type { Condition } from '../../../api/v1alpha1/cryptostream.ts';

/** A condition as computed, before it gets its generation and transition time. */
export type ConditionValue = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * Sets `next` in `conditions`, in place of the condition of the same type (metav1.Condition). The
 * transition time moves only when the status flips, so an unchanged status leaves the list equal.
 */
export const setCondition = (
  conditions: readonly Condition[],
  next: ConditionValue,
  observedGeneration: number | undefined,
  now: string,
): Condition[] => {
  const previous = conditions.find((c) => c.type === next.type);
  const condition: Condition = {
    ...next,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    lastTransitionTime:
      previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : now,
  };
  return previous === undefined
    ? [...conditions, condition]
    : conditions.map((c) => (c.type === next.type ? condition : c));
};
