import {
  checkIndicatorConfig,
  defaultIndicatorConfig,
  type IndicatorConfig,
} from '../../core/indicators/index.ts';
import { err, type Result } from '../../core/result.ts';

/** The indicator-period options shared by the commands that enrich (`--sma 7,21`, `--macd 12,26,9`, …). */
export const indicatorOptions = {
  sma: { type: 'string' },
  ema: { type: 'string' },
  rsi: { type: 'string' },
  macd: { type: 'string' },
  bb: { type: 'string' },
  atr: { type: 'string' },
  adx: { type: 'string' },
  volatility: { type: 'string' },
} as const;

const d = defaultIndicatorConfig;
export const indicatorUsage = [
  `  --sma N[,N…]            simple moving averages [${d.sma.join(',')}]`,
  `  --ema N[,N…]            exponential moving averages [${d.ema.join(',')}]`,
  `  --rsi N                 Wilder RSI [${d.rsi}]`,
  `  --macd FAST,SLOW,SIGNAL MACD [${d.macd.fast},${d.macd.slow},${d.macd.signal}]`,
  `  --bb N,K                Bollinger bands: N closes, K population σ [${d.bollinger.period},${d.bollinger.stdDev}]`,
  `  --atr N                 average true range [${d.atr}]`,
  `  --adx N                 average directional index [${d.adx}]`,
  `  --volatility N          sample σ of the last N log returns [${d.volatility}]`,
].join('\n');

const numbers = (flag: string, text: string, count?: number): Result<number[], string> => {
  const values = text.split(',').map((s) => (/^\s*\d+(\.\d+)?\s*$/.test(s) ? Number(s) : Number.NaN));
  if (values.some(Number.isNaN) || (count !== undefined && values.length !== count))
    return err(
      `--${flag} takes ${count === undefined ? 'a comma-separated list of' : count} number(s), got ${JSON.stringify(text)}`,
    );
  return { ok: true, value: values };
};

/** The configuration the flags describe, on top of the defaults, checked. */
export const indicatorConfigFrom = (
  values: Readonly<Record<string, unknown>>,
): Result<IndicatorConfig, string> => {
  let config: IndicatorConfig = defaultIndicatorConfig;
  const flag = (name: keyof typeof indicatorOptions): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const lists = [
    ['sma', undefined],
    ['ema', undefined],
    ['rsi', 1],
    ['macd', 3],
    ['bb', 2],
    ['atr', 1],
    ['adx', 1],
    ['volatility', 1],
  ] as const;
  for (const [name, count] of lists) {
    const text = flag(name);
    if (text === undefined) continue;
    const parsed = numbers(name, text, count);
    if (!parsed.ok) return parsed;
    const [a, b, c] = parsed.value as [number, number, number];
    config =
      name === 'sma' || name === 'ema'
        ? { ...config, [name]: parsed.value }
        : name === 'macd'
          ? { ...config, macd: { fast: a, slow: b, signal: c } }
          : name === 'bb'
            ? { ...config, bollinger: { period: a, stdDev: b } }
            : { ...config, [name]: a };
  }
  return checkIndicatorConfig(config);
};
