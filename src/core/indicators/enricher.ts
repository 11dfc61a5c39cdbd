import type { Candle } from '../kline/candle.ts';
import { ADX_VALUE, adxKernel } from './adx.ts';
import { ATR_VALUE, atrKernel } from './atr.ts';
import { BOLLINGER_MIDDLE, BOLLINGER_WIDTH, bollingerKernel } from './bollinger.ts';
import type { IndicatorConfig } from './config.ts';
import { fieldWriter, type FieldWriter } from './fieldWriter.ts';
import { emaKernel } from './ema.ts';
import { LOG_RETURN_VALUE, logReturnKernel } from './logReturn.ts';
import { MACD_HAS_SIGNAL, MACD_HIST, MACD_LINE, MACD_SIGNAL, macdKernel } from './macd.ts';
import { priceOf } from './price.ts';
import type { Kernel } from './reducer.ts';
import { RSI_VALUE, rsiKernel } from './rsi.ts';
import { SEEDED_VALUE } from './seeded.ts';
import { smaKernel } from './sma.ts';
import { VOLATILITY_VALUE, volatilityKernel } from './volatility.ts';
import { WINDOW_MEAN } from './window.ts';

/** Indicator values of one candle: only the indicators that have a value (never NaN, never null). */
export type Indicators = Readonly<Record<string, number>>;

/**
 * Every indicator's state for one symbol and interval: a flat vector of finite numbers, each
 * indicator owning a fixed range of it (see `Kernel`). A plain JSON value; it belongs to the
 * configuration that made it (`isEnrichState` checks a restored one).
 */
export type EnrichState = readonly number[];

export type Enricher = {
  readonly init: EnrichState;
  /** One closed candle (only its close, high and low are read). */
  readonly step: (s: EnrichState, c: Prices) => [EnrichState, Indicators];
  /**
   * `step` on a state vector the caller owns, updated in place (the state `step` would return): a
   * symbol's candles of a batch need one copy of its state, not one per candle (~1 KB each).
   */
  readonly advance: (v: number[], c: Prices) => Indicators;
  /** Whether a value (e.g. a restored JSON state) is a state of this configuration. */
  readonly isState: (x: unknown) => x is EnrichState;
};

/** What the enricher reads of a candle. */
export type Prices = Pick<Candle, 'close' | 'high' | 'low'>;

type Placed = { readonly kernel: Kernel; readonly at: number; readonly write: FieldWriter };

/**
 * All indicators of a configuration as one reducer over closed candles (close, high, low): one state
 * per symbol and interval.
 */
export const enricher = (config: IndicatorConfig): Enricher => {
  let size = 0;
  const place = (kernel: Kernel, field: string): Placed => {
    const at = size;
    size += kernel.size;
    return { kernel, at, write: fieldWriter(field) };
  };
  const smas = config.sma.map((n) => place(smaKernel(n), `sma_${n}`));
  const emas = config.ema.map((n) => place(emaKernel(n), `ema_${n}`));
  const rsi = place(rsiKernel(config.rsi), `rsi_${config.rsi}`);
  const macd = place(macdKernel(config.macd.fast, config.macd.slow, config.macd.signal), 'macd');
  const bb = place(bollingerKernel(config.bollinger.period, config.bollinger.stdDev), 'bb');
  const atr = place(atrKernel(config.atr), `atr_${config.atr}`);
  const adx = place(adxKernel(config.adx), `adx_${config.adx}`);
  const logReturn = place(logReturnKernel, 'log_return');
  const volatility = place(volatilityKernel(config.volatility), `volatility_${config.volatility}`);
  const init: EnrichState = new Array<number>(size).fill(0);

  const advance = (v: number[], c: Prices): Indicators => {
    const close = priceOf(c.close);
    const high = priceOf(c.high);
    const low = priceOf(c.low);
    const out: Record<string, number> = {};
    for (let i = 0; i < smas.length; i++) {
      const { kernel, at, write } = smas[i]!;
      if (kernel.step(v, at, close, high, low)) write(out, v[at + WINDOW_MEAN]!);
    }
    for (let i = 0; i < emas.length; i++) {
      const { kernel, at, write } = emas[i]!;
      if (kernel.step(v, at, close, high, low)) write(out, v[at + SEEDED_VALUE]!);
    }
    if (rsi.kernel.step(v, rsi.at, close, high, low)) rsi.write(out, v[rsi.at + RSI_VALUE]!);
    if (macd.kernel.step(v, macd.at, close, high, low)) {
      out['macd'] = v[macd.at + MACD_LINE]!;
      if (v[macd.at + MACD_HAS_SIGNAL] === 1) {
        out['macd_signal'] = v[macd.at + MACD_SIGNAL]!;
        out['macd_hist'] = v[macd.at + MACD_HIST]!;
      }
    }
    if (bb.kernel.step(v, bb.at, close, high, low)) {
      const middle = v[bb.at + BOLLINGER_MIDDLE]!;
      const width = v[bb.at + BOLLINGER_WIDTH]!;
      out['bb_upper'] = middle + width;
      out['bb_middle'] = middle;
      out['bb_lower'] = middle - width;
    }
    if (atr.kernel.step(v, atr.at, close, high, low)) atr.write(out, v[atr.at + ATR_VALUE]!);
    if (adx.kernel.step(v, adx.at, close, high, low)) adx.write(out, v[adx.at + ADX_VALUE]!);
    if (logReturn.kernel.step(v, logReturn.at, close, high, low)) {
      const r = v[logReturn.at + LOG_RETURN_VALUE]!;
      out['log_return'] = r;
      if (volatility.kernel.step(v, volatility.at, r, high, low))
        volatility.write(out, v[volatility.at + VOLATILITY_VALUE]!);
    }
    return out;
  };

  const step = (s: EnrichState, c: Prices): [EnrichState, Indicators] => {
    const v = s.slice();
    return [v, advance(v, c)];
  };

  const isState = (x: unknown): x is EnrichState =>
    Array.isArray(x) && x.length === size && x.every((n) => typeof n === 'number' && Number.isFinite(n));

  return { init, step, advance, isState };
};
