/**
 * An indicator is a pure reducer: a plain-data state and a step from one input to the next state and
 * the indicator's value, `undefined` while it warms up.
 *
 * @example
 * // a whole series, Ramda's way: R.mapAccum(ema(12).step, ema(12).init, closes)
 */
export type Reducer<S, I, O> = {
  readonly init: S;
  readonly step: (s: S, input: I) => [S, O | undefined];
};

/** The prices of one closed candle that the indicators read, as numbers. */
export type Bar = { readonly high: number; readonly low: number; readonly close: number };

/**
 * Indicator state is a flat vector of finite numbers, and each indicator's recurrence (its kernel)
 * owns `size` consecutive slots of it, from `at`. A step copies the vector once and lets the kernels
 * advance their slots in that fresh copy, which no one else sees yet: the step is pure, the states are
 * immutable JSON values (`number[]`), and a candle costs one allocation for all its indicators —
 * several times faster than a tree of small state objects (each number field of a V8 object is a heap
 * allocation of its own; see docs/indicators.md).
 *
 * `step` reads `x` (the close, or the series the kernel averages), and `high`/`low` where it needs
 * them; it returns whether the kernel has a value, which then sits in the kernel's output slots.
 */
export type Kernel = {
  readonly size: number;
  readonly step: (v: number[], at: number, x: number, high: number, low: number) => boolean;
};

/** A kernel as a stand-alone reducer over `number[]` states; `read` picks its value from its slots. */
export const reducerOf = <I, O>(
  kernel: Kernel,
  input: (i: I) => readonly [x: number, high: number, low: number],
  read: (v: readonly number[]) => O,
): Reducer<readonly number[], I, O> => ({
  init: new Array<number>(kernel.size).fill(0),
  step: (s, i) => {
    const v = s.slice();
    const [x, high, low] = input(i);
    return [v, kernel.step(v, 0, x, high, low) ? read(v) : undefined];
  },
});

export const closeInput = (close: number): readonly [number, number, number] => [close, close, close];
export const barInput = (b: Bar): readonly [number, number, number] => [b.close, b.high, b.low];
