import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';
import { wilderKernel } from './wilder.ts';

/**
 * RSI(n), Wilder's, as TA-Lib: gains and losses of the close from the 2nd close on, each averaged by
 * Wilder's average of n; the first value once n changes exist (the (n+1)-th close).
 * rsi = 100·avgGain/(avgGain + avgLoss), and 0 when both averages are 0 (a flat series).
 * Slots: [seen, previous close, rsi, gain average (2), loss average (2)].
 */
export const rsiKernel = (n: number): Kernel => {
  const average = wilderKernel(n);
  return {
    size: 7,
    step: (v, at, close) => {
      const seen = v[at] === 1;
      const change = close - v[at + 1]!;
      v[at] = 1;
      v[at + 1] = close;
      if (!seen) return false;
      average.step(v, at + GAIN, change > 0 ? change : 0, 0, 0);
      if (!average.step(v, at + LOSS, change < 0 ? -change : 0, 0, 0)) return false;
      const gain = v[at + GAIN + 1]!;
      const total = gain + v[at + LOSS + 1]!;
      v[at + RSI_VALUE] = total === 0 ? 0 : 100 * (gain / total);
      return true;
    },
  };
};

export const RSI_VALUE = 2;
const GAIN = 3;
const LOSS = 5;

export const rsi = (n: number): Reducer<readonly number[], number, number> =>
  reducerOf(rsiKernel(n), closeInput, (v) => v[RSI_VALUE]!);
