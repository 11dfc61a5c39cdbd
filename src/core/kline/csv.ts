import { err, type Result } from '../result.ts';
import type { Candle } from './candle.ts';
import { problem, type Problem } from './rejection.ts';
import { fromRestRow, REST_ROW_LENGTH } from './rest.ts';

/**
 * A data.binance.vision kline CSV line: no header, the REST row's 12 columns unquoted. Times are ms,
 * or µs in spot files since 2025-01-01 (normalised to ms by validation).
 */
export const fromCsvLine = (line: string): Result<Candle, Problem> => {
  const columns = line.split(',').map((c) => c.trim());
  if (columns.length !== REST_ROW_LENGTH)
    return err(problem(`a kline CSV line has ${REST_ROW_LENGTH} columns, this one has ${columns.length}`));
  return fromRestRow(columns);
};
