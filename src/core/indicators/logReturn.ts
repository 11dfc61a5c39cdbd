import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';

/**
 * ln(close / previous close), from the 2nd close on. A non-positive close (never a Binance price)
 * yields no value rather than ±Infinity or NaN. Slots: [previous close (0 before the first), value].
 */
export const logReturnKernel: Kernel = {
  size: 2,
  step: (v, at, close) => {
    const previous = v[at]!;
    v[at] = close;
    if (!(previous > 0 && close > 0)) return false;
    v[at + 1] = Math.log(close / previous);
    return true;
  },
};

export const LOG_RETURN_VALUE = 1;

export const logReturn: Reducer<readonly number[], number, number> = reducerOf(
  logReturnKernel,
  closeInput,
  (v) => v[LOG_RETURN_VALUE]!,
);
