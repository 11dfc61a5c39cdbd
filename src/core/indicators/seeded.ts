import type { Kernel } from './reducer.ts';

/**
 * A recursive average seeded TA-Lib's way. Slots: [count, value]; `value` is the running sum of the
 * inputs until the n-th, where it becomes their mean; after that `next(value, x)` (and count stays n).
 */
export const seeded = (n: number, next: (previous: number, x: number) => number): Kernel => ({
  size: 2,
  step: (v, at, x) => {
    const count = v[at]!;
    if (count >= n) {
      v[at + 1] = next(v[at + 1]!, x);
      return true;
    }
    const sum = v[at + 1]! + x;
    if (count + 1 < n) {
      v[at] = count + 1;
      v[at + 1] = sum;
      return false;
    }
    v[at] = n;
    v[at + 1] = sum / n;
    return true;
  },
});

/** The output slot of a seeded kernel. */
export const SEEDED_VALUE = 1;
