import type { Kernel } from './reducer.ts';
import { seeded } from './seeded.ts';

/**
 * Wilder's average of n (RSI, ATR): the first value, at the n-th input, is the mean of the first n
 * inputs; then avg = (avg_prev·(n−1) + x)/n, in TA-Lib's operation order. Slots: [count, value].
 */
export const wilderKernel = (n: number): Kernel => seeded(n, (previous, x) => (previous * (n - 1) + x) / n);
