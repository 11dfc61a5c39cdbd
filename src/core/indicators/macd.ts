import { emaKernel } from './ema.ts';
import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';

/**
 * MACD(fast, slow, signal): macd = EMA_fast − EMA_slow, each EMA seeded with the SMA of its own first
 * closes, so the line exists from the slow-th close; signal = EMA_signal of the macd series (seeded
 * with the SMA of its first `signal` values); hist = macd − signal. (TA-Lib's MACD seeds the fast EMA
 * later, aligned with the slow one; see docs/indicators.md.)
 * Slots: [macd, signal seen (0/1), hist, fast EMA (2), slow EMA (2), signal EMA (2)]; the signal
 * itself is the signal EMA's value slot.
 */
export const macdKernel = (fast: number, slow: number, signal: number): Kernel => {
  const fastEma = emaKernel(fast);
  const slowEma = emaKernel(slow);
  const signalEma = emaKernel(signal);
  return {
    size: 9,
    step: (v, at, close) => {
      const fastReady = fastEma.step(v, at + 3, close, 0, 0);
      if (!slowEma.step(v, at + 5, close, 0, 0) || !fastReady) return false;
      const line = v[at + 4]! - v[at + 6]!;
      v[at + MACD_LINE] = line;
      if (signalEma.step(v, at + 7, line, 0, 0)) {
        v[at + MACD_HAS_SIGNAL] = 1;
        v[at + MACD_HIST] = line - v[at + MACD_SIGNAL]!;
      }
      return true;
    },
  };
};

export const MACD_LINE = 0;
export const MACD_HAS_SIGNAL = 1;
export const MACD_HIST = 2;
export const MACD_SIGNAL = 8;

/** The MACD line, and once the signal line exists, the signal and the histogram. */
export type MacdValue =
  | { readonly macd: number; readonly signal: number; readonly hist: number }
  | { readonly macd: number; readonly signal?: undefined; readonly hist?: undefined };

export const macd = (
  fast: number,
  slow: number,
  signal: number,
): Reducer<readonly number[], number, MacdValue> =>
  reducerOf(macdKernel(fast, slow, signal), closeInput, (v) =>
    v[MACD_HAS_SIGNAL] === 1
      ? { macd: v[MACD_LINE]!, signal: v[MACD_SIGNAL]!, hist: v[MACD_HIST]! }
      : { macd: v[MACD_LINE]! },
  );
