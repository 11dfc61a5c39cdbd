import { err, ok, type Result } from '../result.ts';

/**
 * Indicator periods, the shape of a CryptoStream's `spec.indicators` (the operator passes it to the
 * consumers as JSON). Field names derive from it: `sma_7`, `ema_12`, `rsi_14`, `atr_14`, `adx_14`,
 * `volatility_20`; `macd*` and `bb_*` carry no period.
 */
export type IndicatorConfig = {
  readonly sma: readonly number[];
  readonly ema: readonly number[];
  readonly rsi: number;
  readonly macd: { readonly fast: number; readonly slow: number; readonly signal: number };
  readonly bollinger: { readonly period: number; readonly stdDev: number };
  readonly atr: number;
  readonly adx: number;
  readonly volatility: number;
};

export const defaultIndicatorConfig: IndicatorConfig = {
  sma: [7, 21],
  ema: [12],
  rsi: 14,
  macd: { fast: 12, slow: 26, signal: 9 },
  bollinger: { period: 20, stdDev: 2 },
  atr: 14,
  adx: 14,
  volatility: 20,
};

/** The output field names of a configuration, in the order the enricher writes them. */
export const indicatorFields = (c: IndicatorConfig): readonly string[] => [
  ...c.sma.map((n) => `sma_${n}`),
  ...c.ema.map((n) => `ema_${n}`),
  `rsi_${c.rsi}`,
  'macd',
  'macd_signal',
  'macd_hist',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  `atr_${c.atr}`,
  `adx_${c.adx}`,
  'log_return',
  `volatility_${c.volatility}`,
];

const MAX_PERIOD = 1000;

/** Periods are integers from 2 to 1000 (the CRD's bounds), unique per list; macd.fast < macd.slow. */
export const checkIndicatorConfig = (c: IndicatorConfig): Result<IndicatorConfig, string> => {
  const periods: [string, number][] = [
    ...c.sma.map((n, i): [string, number] => [`sma[${i}]`, n]),
    ...c.ema.map((n, i): [string, number] => [`ema[${i}]`, n]),
    ['rsi', c.rsi],
    ['macd.fast', c.macd.fast],
    ['macd.slow', c.macd.slow],
    ['macd.signal', c.macd.signal],
    ['bollinger.period', c.bollinger.period],
    ['atr', c.atr],
    ['adx', c.adx],
    ['volatility', c.volatility],
  ];
  const bad = periods.find(([, n]) => !Number.isInteger(n) || n < 2 || n > MAX_PERIOD);
  if (bad !== undefined) return err(`${bad[0]} must be an integer from 2 to ${MAX_PERIOD}, got ${bad[1]}`);
  if (new Set(c.sma).size !== c.sma.length) return err('sma periods must be unique');
  if (new Set(c.ema).size !== c.ema.length) return err('ema periods must be unique');
  if (c.macd.fast >= c.macd.slow) return err('macd.fast must be shorter than macd.slow');
  if (!(Number.isFinite(c.bollinger.stdDev) && c.bollinger.stdDev > 0))
    return err(`bollinger.stdDev must be a positive number, got ${c.bollinger.stdDev}`);
  return ok(c);
};
