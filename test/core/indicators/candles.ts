import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '../../../src/core/kline/candle.ts';

/** The shared real Binance data, read in place (never copied into the repository). */
export const DATA_DIR = new URL('../../../../shared/data/binance/', import.meta.url).pathname;

/** Every REST JSON kline file of the shared data, as paths relative to DATA_DIR. */
export const restFiles = (): string[] =>
  readdirSync(DATA_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !f.startsWith('api-examples'))
    .sort();

/** A REST row (12-element array) as a Candle; a test helper, not the production parser. */
const toCandle = (row: readonly unknown[]): Candle => ({
  openTime: row[0] as number,
  open: row[1] as string,
  high: row[2] as string,
  low: row[3] as string,
  close: row[4] as string,
  volume: row[5] as string,
  closeTime: row[6] as number,
  quoteVolume: row[7] as string,
  trades: row[8] as number,
  takerBuyBase: row[9] as string,
  takerBuyQuote: row[10] as string,
});

export const readCandles = (file: string): Candle[] =>
  (JSON.parse(readFileSync(join(DATA_DIR, file), 'utf8')) as unknown[][]).map(toCandle);

/** A candle from numbers, for generated series. */
export const aCandle = (close: number, high = close, low = close): Candle => ({
  openTime: 0,
  open: String(close),
  high: String(high),
  low: String(low),
  close: String(close),
  volume: '0',
  closeTime: 0,
  quoteVolume: '0',
  trades: 0,
  takerBuyBase: '0',
  takerBuyQuote: '0',
});
