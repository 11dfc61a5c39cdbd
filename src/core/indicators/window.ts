import type { Kernel } from './reducer.ts';

/**
 * The last n inputs as a ring inside the state vector. Slots: [count, next, mean, m2, x_0 … x_{n−1}]:
 * `count` inputs so far (capped at n), `next` the ring slot the next input replaces (the oldest once
 * full); once full, `mean` and (if `spread`) `m2` = Σ (x − mean)² of the window.
 *
 * Both are recomputed from the window at each step (O(n), independent of the history length), never
 * kept as running sums: a running Σx² cancels catastrophically when the spread is tiny next to the
 * price (BTC), and running sums drift over millions of candles. The mean is summed as differences from
 * one of the values, exact for a constant window.
 */
export const windowKernel = (n: number, spread: boolean): Kernel => ({
  size: RING + n,
  step: (v, at, x) => {
    const ring = at + RING;
    const next = v[at + 1]!;
    v[ring + next] = x;
    v[at + 1] = next + 1 === n ? 0 : next + 1;
    const count = v[at]! + 1;
    if (count < n) {
      v[at] = count;
      return false;
    }
    v[at] = n;
    const pivot = v[ring]!;
    let sum = 0;
    for (let i = 1; i < n; i++) sum += v[ring + i]! - pivot;
    const mean = pivot + sum / n;
    v[at + WINDOW_MEAN] = mean;
    if (!spread) return true;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = v[ring + i]! - mean;
      m2 += d * d;
    }
    v[at + WINDOW_M2] = m2;
    return true;
  },
});

const RING = 4;
export const WINDOW_MEAN = 2;
export const WINDOW_M2 = 3;
