import { closeInput, reducerOf, type Kernel, type Reducer } from './reducer.ts';
import { WINDOW_MEAN, windowKernel } from './window.ts';

/** SMA(n): the arithmetic mean of the last n closes; first value at the n-th close. */
export const smaKernel = (n: number): Kernel => windowKernel(n, false);

export const sma = (n: number): Reducer<readonly number[], number, number> =>
  reducerOf(smaKernel(n), closeInput, (v) => v[WINDOW_MEAN]!);
