import { barInput, reducerOf, type Bar, type Kernel, type Reducer } from './reducer.ts';
import { trueRange } from './trueRange.ts';
import { wilderKernel } from './wilder.ts';

/**
 * ATR(n), as TA-Lib: true ranges from the 2nd candle on; the first ATR, once n true ranges exist, is
 * their mean; then Wilder smoothing. Slots: [seen, previous close, average (2)].
 */
export const atrKernel = (n: number): Kernel => {
  const average = wilderKernel(n);
  return {
    size: 4,
    step: (v, at, close, high, low) => {
      const seen = v[at] === 1;
      const previous = v[at + 1]!;
      v[at] = 1;
      v[at + 1] = close;
      return seen && average.step(v, at + 2, trueRange(high, low, previous), 0, 0);
    },
  };
};

export const ATR_VALUE = 3;

export const atr = (n: number): Reducer<readonly number[], Bar, number> =>
  reducerOf(atrKernel(n), barInput, (v) => v[ATR_VALUE]!);
