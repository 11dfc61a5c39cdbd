import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';
import { WINDOW_M2, WINDOW_MEAN, windowKernel } from './window.ts';

/**
 * Bollinger bands(n, k): middle = SMA(n); upper/lower = middle ± k × the POPULATION standard deviation
 * (divisor n) of the same n closes, as TA-Lib's BBANDS. Slots: [width, window (4 + n)].
 */
export const bollingerKernel = (n: number, k: number): Kernel => {
  const window = windowKernel(n, true);
  return {
    size: 1 + window.size,
    step: (v, at, close) => {
      if (!window.step(v, at + 1, close, 0, 0)) return false;
      v[at] = k * Math.sqrt(v[at + 1 + WINDOW_M2]! / n);
      return true;
    },
  };
};

export const BOLLINGER_WIDTH = 0;
export const BOLLINGER_MIDDLE = 1 + WINDOW_MEAN;

export type BollingerValue = { readonly upper: number; readonly middle: number; readonly lower: number };

export const bollinger = (n: number, k: number): Reducer<readonly number[], number, BollingerValue> =>
  reducerOf(bollingerKernel(n, k), closeInput, (v) => {
    const middle = v[BOLLINGER_MIDDLE]!;
    const width = v[BOLLINGER_WIDTH]!;
    return { upper: middle + width, middle, lower: middle - width };
  });
