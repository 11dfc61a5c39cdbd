/**
 * Batch reference implementations: each indicator recomputed over the whole series, straight from the
 * formulas of docs/indicators.md, written independently of src/core/indicators (plain sums and
 * textbook forms, no shared code). `undefined` marks "no value yet".
 */
import type { Candle } from '../../../src/core/kline/candle.ts';
import type { IndicatorConfig } from '../../../src/core/indicators/index.ts';

type Series = (number | undefined)[];

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[], divisor: number): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / divisor;
};

export const smaRef = (xs: readonly number[], n: number): Series =>
  xs.map((_, i) => (i >= n - 1 ? mean(xs.slice(i - n + 1, i + 1)) : undefined));

/** EMA of a series that may start late (undefined entries are skipped, as the EMA never saw them). */
export const emaRef = (xs: readonly (number | undefined)[], n: number): Series => {
  const k = 2 / (n + 1);
  const out: Series = [];
  const seen: number[] = [];
  let prev: number | undefined;
  for (const x of xs) {
    if (x === undefined) {
      out.push(undefined);
      continue;
    }
    seen.push(x);
    if (seen.length < n) out.push(undefined);
    else if (seen.length === n) out.push((prev = mean(seen)));
    else out.push((prev = x * k + prev! * (1 - k)));
  }
  return out;
};

/** Wilder's average: the mean of the first n values, then (avg·(n−1) + x)/n. */
const wilderRef = (xs: readonly number[], n: number): (number | undefined)[] => {
  const out: (number | undefined)[] = [];
  let avg = 0;
  xs.forEach((x, i) => {
    if (i < n - 1) out.push(undefined);
    else if (i === n - 1) out.push((avg = mean(xs.slice(0, n))));
    else out.push((avg = (avg * (n - 1) + x) / n));
  });
  return out;
};

export const rsiRef = (closes: readonly number[], n: number): Series => {
  const changes = closes.slice(1).map((c, i) => c - closes[i]!);
  const gains = wilderRef(
    changes.map((d) => Math.max(d, 0)),
    n,
  );
  const losses = wilderRef(
    changes.map((d) => Math.max(-d, 0)),
    n,
  );
  return [
    undefined,
    ...gains.map((g, i) => {
      const l = losses[i];
      if (g === undefined || l === undefined) return undefined;
      return g + l === 0 ? 0 : (100 * g) / (g + l);
    }),
  ];
};

export const trueRanges = (candles: readonly Bar[]): number[] =>
  candles
    .slice(1)
    .map((c, i) =>
      Math.max(c.high - c.low, Math.abs(c.high - candles[i]!.close), Math.abs(c.low - candles[i]!.close)),
    );

export const atrRef = (bars: readonly Bar[], n: number): Series => [
  undefined,
  ...wilderRef(trueRanges(bars), n),
];

/** TA-Lib's ADX (ta_ADX.c), as written in docs/indicators.md, over whole arrays. */
export const adxRef = (bars: readonly Bar[], n: number): Series => {
  const out: Series = bars.map(() => undefined);
  const tr = [0, ...trueRanges(bars)];
  const plus = bars.map((b, t) => {
    if (t === 0) return 0;
    const up = b.high - bars[t - 1]!.high;
    const down = bars[t - 1]!.low - b.low;
    return up > 0 && up > down ? up : 0;
  });
  const minus = bars.map((b, t) => {
    if (t === 0) return 0;
    const up = b.high - bars[t - 1]!.high;
    const down = bars[t - 1]!.low - b.low;
    return down > 0 && down > up ? down : 0;
  });
  let sp = 0;
  let sm = 0;
  let st = 0;
  let sumDX = 0;
  let adx = 0;
  for (let t = 1; t < bars.length; t++) {
    if (t < n) {
      sp += plus[t]!;
      sm += minus[t]!;
      st += tr[t]!;
      continue;
    }
    sp = sp - sp / n + plus[t]!;
    sm = sm - sm / n + minus[t]!;
    st = st - st / n + tr[t]!;
    let dx: number | undefined;
    if (st !== 0) {
      const pdi = (100 * sp) / st;
      const mdi = (100 * sm) / st;
      if (pdi + mdi !== 0) dx = (100 * Math.abs(mdi - pdi)) / (pdi + mdi);
    }
    if (t < 2 * n - 1) sumDX += dx ?? 0;
    else if (t === 2 * n - 1) out[t] = adx = (sumDX + (dx ?? 0)) / n;
    else out[t] = adx = dx === undefined ? adx : (adx * (n - 1) + dx) / n;
  }
  return out;
};

export const bollingerRef = (
  closes: readonly number[],
  n: number,
  k: number,
): { upper: Series; middle: Series; lower: Series } => {
  const middle = smaRef(closes, n);
  const width = closes.map((_, i) =>
    i >= n - 1 ? k * Math.sqrt(variance(closes.slice(i - n + 1, i + 1), n)) : undefined,
  );
  return {
    upper: middle.map((m, i) => (m === undefined ? undefined : m + width[i]!)),
    middle,
    lower: middle.map((m, i) => (m === undefined ? undefined : m - width[i]!)),
  };
};

export const logReturnsRef = (closes: readonly number[]): Series =>
  closes.map((c, i) => (i === 0 ? undefined : Math.log(c / closes[i - 1]!)));

export const volatilityRef = (closes: readonly number[], n: number): Series => {
  const r = logReturnsRef(closes);
  return closes.map((_, i) =>
    i >= n ? Math.sqrt(variance(r.slice(i - n + 1, i + 1) as number[], n - 1)) : undefined,
  );
};

export const macdRef = (
  closes: readonly number[],
  fast: number,
  slow: number,
  signal: number,
): { macd: Series; signal: Series; hist: Series } => {
  const f = emaRef(closes, fast);
  const s = emaRef(closes, slow);
  const line = closes.map((_, i) => (f[i] === undefined || s[i] === undefined ? undefined : f[i]! - s[i]!));
  const sig = emaRef(line, signal);
  return {
    macd: line,
    signal: sig,
    hist: line.map((m, i) => (m === undefined || sig[i] === undefined ? undefined : m - sig[i]!)),
  };
};

export type Bar = { high: number; low: number; close: number };
export const barsOf = (candles: readonly Candle[]): Bar[] =>
  candles.map((c) => ({ high: Number(c.high), low: Number(c.low), close: Number(c.close) }));

/** Every indicator of a configuration, field by field, over a whole series. */
export const enrichRef = (candles: readonly Candle[], c: IndicatorConfig): Record<string, number>[] => {
  const bars = barsOf(candles);
  const closes = bars.map((b) => b.close);
  const macd = macdRef(closes, c.macd.fast, c.macd.slow, c.macd.signal);
  const bb = bollingerRef(closes, c.bollinger.period, c.bollinger.stdDev);
  const fields: [string, Series][] = [
    ...c.sma.map((n): [string, Series] => [`sma_${n}`, smaRef(closes, n)]),
    ...c.ema.map((n): [string, Series] => [`ema_${n}`, emaRef(closes, n)]),
    [`rsi_${c.rsi}`, rsiRef(closes, c.rsi)],
    ['macd', macd.macd],
    ['macd_signal', macd.signal],
    ['macd_hist', macd.hist],
    ['bb_upper', bb.upper],
    ['bb_middle', bb.middle],
    ['bb_lower', bb.lower],
    [`atr_${c.atr}`, atrRef(bars, c.atr)],
    [`adx_${c.adx}`, adxRef(bars, c.adx)],
    ['log_return', logReturnsRef(closes)],
    [`volatility_${c.volatility}`, volatilityRef(closes, c.volatility)],
  ];
  return candles.map((_, i) => {
    const row: Record<string, number> = {};
    for (const [name, series] of fields) if (series[i] !== undefined) row[name] = series[i];
    return row;
  });
};

/** Relative error ≤ 1e-9, absolute ≤ 1e-9 near zero. */
export const close = (a: number, b: number, tolerance = 1e-9): boolean =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
