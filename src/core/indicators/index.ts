export { barInput, closeInput, reducerOf, type Bar, type Kernel, type Reducer } from './reducer.ts';
export { adx, adxKernel } from './adx.ts';
export { atr, atrKernel } from './atr.ts';
export { bollinger, bollingerKernel, type BollingerValue } from './bollinger.ts';
export {
  checkIndicatorConfig,
  defaultIndicatorConfig,
  indicatorFields,
  type IndicatorConfig,
} from './config.ts';
export { ema, emaKernel } from './ema.ts';
export { firstValueAt, warmUpCandles } from './warmUp.ts';
export { enricher, type EnrichState, type Enricher, type Indicators, type Prices } from './enricher.ts';
export { logReturn, logReturnKernel } from './logReturn.ts';
export { macd, macdKernel, type MacdValue } from './macd.ts';
export { priceOf } from './price.ts';
export { rsi, rsiKernel } from './rsi.ts';
export { sma, smaKernel } from './sma.ts';
export { trueRange } from './trueRange.ts';
export { volatility, volatilityKernel } from './volatility.ts';
