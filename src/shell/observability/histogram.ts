import type { Histogram, LabelValues } from 'prom-client';

/*
 * prom-client observes one value per call, and each call builds its label key and a closure, validates the
 * labels and looks the series up: ~0.5 µs, twice per record in a consumer (~4 % of its busy time in a drain,
 * measured: docs/benchmarks.md). `observeAll` records a batch's values of one label set in one pass.
 */

/** The series of a prom-client histogram as prom-client 15 keeps it (`lib/histogram.js`). */
type Series = {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly bucketValues: Record<number, number>;
  sum: number;
  count: number;
};

type Internals = {
  readonly hashMap?: Readonly<Record<string, Series>>;
  readonly upperBounds?: readonly number[];
  readonly enableExemplars?: boolean;
};

const sameLabels = (a: Readonly<Record<string, string | number>>, b: Readonly<Record<string, unknown>>) => {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => String(a[k]) === String(b[k]));
};

/** The series of `labels` once `histogram` has one, if the histogram is laid out as prom-client 15 does. */
const seriesOf = (internals: Internals, labels: Readonly<Record<string, unknown>>): Series | undefined => {
  const { hashMap, upperBounds, enableExemplars } = internals;
  if (hashMap === undefined || !Array.isArray(upperBounds) || enableExemplars !== false) return undefined;
  for (const key in hashMap) {
    const s = hashMap[key]!;
    if (typeof s.sum === 'number' && typeof s.count === 'number' && sameLabels(s.labels, labels)) return s;
  }
  return undefined;
};

/**
 * `for (const v of values) histogram.observe(labels, v)`, the same series afterwards (tested against it),
 * without the per-call work. The first value goes through `observe`, which validates the labels and makes
 * the series; a histogram laid out otherwise (another prom-client, exemplars on) gets every value through
 * `observe`.
 */
export const observeAll = <T extends string>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
  values: readonly number[],
): void => {
  if (values.length === 0) return;
  histogram.observe(labels, values[0]!);
  const internals = histogram as unknown as Internals;
  const series = seriesOf(internals, labels);
  if (series === undefined) {
    for (let i = 1; i < values.length; i++) histogram.observe(labels, values[i]!);
    return;
  }
  const bounds = internals.upperBounds!;
  // Counted per bound first, added to the series' buckets once: `bucketValues` is keyed by the bound's
  // number, and a lookup per value converted it to its text each time.
  const hits = new Array<number>(bounds.length + 1).fill(0);
  let sum = series.sum;
  let i = 1;
  for (; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) break;
    sum += v;
    // The first bound at or above the value, by bisection (the bounds ascend; a latency past all of them,
    // a candle stored long after its close, walked every bound); past the last one, only the count (+Inf).
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    hits[lo]! += 1;
  }
  series.sum = sum;
  series.count += i - 1;
  for (let b = 0; b < bounds.length; b++) if (hits[b]! > 0) series.bucketValues[bounds[b]!]! += hits[b]!;
  // As `observe` does: the values before it are counted.
  if (i < values.length) throw new TypeError(`Value is not a valid number: ${values[i]}`);
};
