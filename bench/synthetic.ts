/**
 * The pipeline benchmark's load: the real 15m candles of BTC, ETH, XRP and SOL (and the hourly ones taken
 * from them) replayed under many synthetic symbols, shifted by whole weeks so open times keep increasing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle, MarketCandle } from '../src/core/kline/candle.ts';
import { fromRestRow } from '../src/core/kline/rest.ts';

const DATA = new URL('../../shared/data/binance/', import.meta.url).pathname;

const quarterHourly = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'].map((s) =>
  (JSON.parse(readFileSync(join(DATA, s, '15m', `${s}-15m-week-2024-09-16.json`), 'utf8')) as unknown[]).map(
    (row) => {
      const r = fromRestRow(row);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    },
  ),
);
const hourly = quarterHourly.map((s) =>
  s.filter((c) => c.openTime % 3_600_000 === 0).map((c) => ({ ...c, closeTime: c.openTime + 3_599_999 })),
);

export type BenchInterval = '15m' | '1h';

/** How many real series the symbols cycle through. */
export const SERIES = 4;

export const symbolOf = (k: number): string => `S${String(k).padStart(4, '0')}USDC`;

/** The real series a synthetic symbol replays. */
export const seriesOf = (symbol: string): number => Number(symbol.slice(1, 5)) % SERIES;

/** Candle `i` of synthetic symbol `k`. */
export const candleOf = (interval: BenchInterval, k: number, i: number): MarketCandle => {
  const base: readonly Candle[] = (interval === '15m' ? quarterHourly : hourly)[k % SERIES]!;
  const c = base[i % base.length]!;
  const shift = Math.floor(i / base.length) * 7 * 86_400_000;
  return {
    symbol: symbolOf(k),
    interval,
    ...c,
    openTime: c.openTime + shift,
    closeTime: c.closeTime + shift,
  };
};
