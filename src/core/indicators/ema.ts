import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';
import { SEEDED_VALUE, seeded } from './seeded.ts';

/**
 * EMA(n), as TA-Lib: k = 2/(n+1); the first value, at the n-th input, is the SMA of the first n inputs;
 * then ema = ema_prev + (x − ema_prev)·k, which is x·k + ema_prev·(1−k) in TA-Lib's operation order.
 * Slots: [count, value].
 */
export const emaKernel = (n: number): Kernel => {
  const k = 2 / (n + 1);
  return seeded(n, (previous, x) => (x - previous) * k + previous);
};

export const ema = (n: number): Reducer<readonly number[], number, number> =>
  reducerOf(emaKernel(n), closeInput, (v) => v[SEEDED_VALUE]!);
