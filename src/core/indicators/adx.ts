import { barInput, reducerOf, type Bar, type Kernel, type Reducer } from './reducer.ts';
import { trueRange } from './trueRange.ts';

/**
 * ADX(n), TA-Lib's recurrences (ta_ADX.c), candle t = 0, 1, …, change t from candle t − 1 to t:
 *
 *   up = h_t − h_{t−1}, down = l_{t−1} − l_t
 *   +DM_t = up if up > 0 and up > down, else 0;  −DM_t = down if down > 0 and down > up, else 0
 *   TR_t = max(h_t − l_t, |h_t − c_{t−1}|, |l_t − c_{t−1}|)
 *   t = 1 … n−1:  S = Σ x_t                    (plain sums of n − 1 values, for +DM, −DM, TR)
 *   t ≥ n:        S = S − S/n + x_t            (Wilder's smoothing of the sums)
 *   +DI = 100·S(+DM)/S(TR), −DI = 100·S(−DM)/S(TR), DX = 100·|−DI − +DI| / (−DI + +DI)
 *   t = n … 2n−1: sumDX += DX;  at t = 2n−1: ADX = sumDX/n   (the first ADX: 2n − 1 changes)
 *   t ≥ 2n:       ADX = (ADX·(n−1) + DX)/n
 *
 * A DX whose S(TR) or −DI + +DI is zero is skipped: not added while seeding, ADX carried after. TA-Lib
 * skips within 1e-8 of zero (TA_IS_ZERO); we skip exact zeros only, so that coins priced below a cent
 * (true ranges near 1e-8) still get an ADX. The two agree whenever S(TR) and the DI sum exceed 1e-8.
 *
 * Slots: [t, high, low, close (of candle t − 1), S(+DM), S(−DM), S(TR), sumDX then ADX].
 */
export const adxKernel = (n: number): Kernel => ({
  size: 8,
  step: (v, at, close, high, low) => {
    const t = v[at]!;
    const up = high - v[at + 1]!;
    const down = v[at + 2]! - low;
    const range = trueRange(high, low, v[at + 3]!);
    v[at] = t < 2 * n ? t + 1 : t; // t is capped once the ADX runs
    v[at + 1] = high;
    v[at + 2] = low;
    v[at + 3] = close;
    if (t === 0) return false;
    const plus = up > 0 && up > down ? up : 0;
    const minus = down > 0 && down > up ? down : 0;
    if (t < n) {
      v[at + 4] = v[at + 4]! + plus;
      v[at + 5] = v[at + 5]! + minus;
      v[at + 6] = v[at + 6]! + range;
      return false;
    }
    const plusDM = v[at + 4]! - v[at + 4]! / n + plus;
    const minusDM = v[at + 5]! - v[at + 5]! / n + minus;
    const tr = v[at + 6]! - v[at + 6]! / n + range;
    v[at + 4] = plusDM;
    v[at + 5] = minusDM;
    v[at + 6] = tr;
    const previous = v[at + ADX_VALUE]!;
    // NaN stands for "no DX" only inside this step (both zero checks below fail on it).
    const dx = directionalIndex(plusDM, minusDM, tr);
    const defined = dx === dx;
    if (t < 2 * n) {
      const sum = defined ? previous + dx : previous;
      v[at + ADX_VALUE] = t === 2 * n - 1 ? sum / n : sum;
      return t === 2 * n - 1;
    }
    if (defined) v[at + ADX_VALUE] = (previous * (n - 1) + dx) / n;
    return true;
  },
});

export const ADX_VALUE = 7;

const directionalIndex = (plusDM: number, minusDM: number, tr: number): number => {
  if (tr === 0) return NaN;
  const minusDI = 100 * (minusDM / tr);
  const plusDI = 100 * (plusDM / tr);
  const sum = minusDI + plusDI;
  return sum === 0 ? NaN : 100 * (Math.abs(minusDI - plusDI) / sum);
};

export const adx = (n: number): Reducer<readonly number[], Bar, number> =>
  reducerOf(adxKernel(n), barInput, (v) => v[ADX_VALUE]!);
