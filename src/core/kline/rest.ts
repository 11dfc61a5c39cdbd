import { err, type Result } from '../result.ts';
import { candleFields, type Candle } from './candle.ts';
import { problem, type Problem } from './rejection.ts';
import { validateCandle, type CandleFields } from './validate.ts';

/**
 * A `GET /api/v3/klines` row: `[openTime, open, high, low, close, volume, closeTime, quoteVolume,
 * trades, takerBuyBase, takerBuyQuote, ignore]`; times and trades are numbers, decimals strings.
 */
export type RestRow = [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  number,
  string,
  string,
  string,
];

/** A REST row has exactly 12 elements, and a data.binance.vision CSV line 12 columns: the candle's and "ignore". */
export const REST_ROW_LENGTH = candleFields.length + 1;

/**
 * Reads a REST row (or a CSV row split into the same 12 columns). A row of any other length is rejected,
 * even one that still holds every candle field: its elements cannot be trusted to be the ones named.
 * The 12th element is ignored.
 */
export const fromRestRow = (row: unknown): Result<Candle, Problem> => {
  if (!Array.isArray(row)) return err(problem('a kline row must be an array'));
  if (row.length !== REST_ROW_LENGTH)
    return err(problem(`a kline row has ${REST_ROW_LENGTH} elements, this one has ${row.length}`));
  return validateCandle(
    Object.fromEntries(candleFields.map((f, i) => [f, row[i] as unknown])) as CandleFields,
  );
};

/** The exact Binance REST row of a candle (ms times, 8-place decimal strings, last element "0"). */
export const toRestRow = (c: Candle): RestRow => [...candleFields.map((f) => c[f]), '0'] as RestRow;
