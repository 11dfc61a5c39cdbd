import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';
import { WINDOW_M2, windowKernel } from './window.ts';

/**
 * Rolling volatility(n): the SAMPLE standard deviation (divisor n − 1) of the last n log returns. Its
 * input is the log-return series, so within the enricher the first value comes at the (n+1)-th close.
 * Slots: [value, window (4 + n)].
 */
export const volatilityKernel = (n: number): Kernel => {
  const window = windowKernel(n, true);
  return {
    size: 1 + window.size,
    step: (v, at, r) => {
      if (!window.step(v, at + 1, r, 0, 0)) return false;
      v[at] = Math.sqrt(v[at + 1 + WINDOW_M2]! / (n - 1));
      return true;
    },
  };
};

export const VOLATILITY_VALUE = 0;

/** Volatility over a series of log returns (not closes). */
export const volatility = (n: number): Reducer<readonly number[], number, number> =>
  reducerOf(volatilityKernel(n), closeInput, (v) => v[VOLATILITY_VALUE]!);
