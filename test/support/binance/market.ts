/**
 * The market the Binance test server serves, over REST and the kline streams alike: the recorded klines
 * of `../shared/data/binance`, their live replay as candles of now, and the rows it serves corrupted.
 * One source for both, so a candle seen over the WebSocket and fetched over REST is the same candle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { fromUnits, toUnits } from '../../../src/core/kline/decimal.ts';
import { intervalMs, type Interval } from '../../../src/core/kline/interval.ts';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { parseKlines } from '../../../src/core/kline/parse.ts';
import { binanceDataDir } from '../../fixtures/binance.ts';

/** Recorded candles of `source` replayed one after another as `interval` candles from `epoch` on. */
export type LiveReplay = { readonly interval: Interval; readonly source: Interval; readonly epoch: number };

/**
 * A row the server always serves corrupted: a non-numeric close, a high below the low, or (REST only) an
 * open time that is not a time.
 */
export type Corruption = {
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
  readonly kind: 'non-numeric-price' | 'high-below-low' | 'unreadable-open-time';
};

/** The recordings are USDT pairs; another quote asset of the same base is served the USDT candles. */
export const recordedSymbol = (symbol: string): string => symbol.replace(/(USDC|BUSD|FDUSD)$/, 'USDT');

const loadSeries = (symbol: string, interval: string): Candle[] | undefined => {
  const dir = join(binanceDataDir, symbol, interval);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(json|csv)$/.test(f));
  } catch {
    return undefined;
  }
  const byOpen = new Map<number, Candle>();
  for (const file of files)
    for (const r of parseKlines(readFileSync(join(dir, file), 'utf8')))
      if (r.ok) byOpen.set(r.value.candle.openTime, r.value.candle);
  return [...byOpen.values()].sort((a, b) => a.openTime - b.openTime);
};

/**
 * A candle as a bad row could look: `Decimal` fields that are not decimals, or a high below the low (an
 * unreadable open time is the REST row's: `corruptedRow`).
 */
export const corrupted = (c: Candle, kind: Corruption['kind']): Candle =>
  kind === 'non-numeric-price'
    ? { ...c, close: 'NaN' }
    : kind === 'high-below-low'
      ? { ...c, high: (Number(c.low) - 1e-8).toFixed(8) }
      : c;

/** The REST row of a corrupted candle, as JSON text. */
export const corruptedRow = (c: Candle, kind: Corruption['kind']): string => {
  const row: unknown[] = toRestRow(corrupted(c, kind));
  if (kind === 'unreadable-open-time') row[0] = 'not-a-time';
  return JSON.stringify(row);
};

/**
 * A candle `elapsed` ms after it opened, on its way to its final values `final`: high, low and close that
 * far from the open toward the final ones, volumes and trades the same share of the final ones. At 0
 * it is a candle just opened (open = high = low = close, no volume); only at its close is it final.
 */
export const partialCandle = (final: Candle, elapsed: number): Candle => {
  const span = final.closeTime + 1 - final.openTime;
  const done = BigInt(Math.max(0, Math.min(span, Math.floor(elapsed))));
  const whole = BigInt(span);
  const open = toUnits(final.open);
  const toward = (d: string) => fromUnits(open + ((toUnits(d) - open) * done) / whole);
  const share = (d: string) => fromUnits((toUnits(d) * done) / whole);
  return {
    ...final,
    high: toward(final.high),
    low: toward(final.low),
    close: toward(final.close),
    volume: share(final.volume),
    quoteVolume: share(final.quoteVolume),
    trades: Number((BigInt(final.trades) * done) / whole),
    takerBuyBase: share(final.takerBuyBase),
    takerBuyQuote: share(final.takerBuyQuote),
  };
};

/** Trade ids of the replay start here (the magnitude of live BTCUSDT ids); each candle's follow on. */
const FIRST_TRADE_ID = 3_000_000_000;

export type Market = {
  /** Whether the exchange lists the symbol (its base has recordings). */
  readonly lists: (symbol: string) => boolean;
  /** The live replay of an interval, if that interval is live. */
  readonly replayOf: (interval: string) => LiveReplay | undefined;
  /** Every candle served at server time `now`; live intervals: the replay so far, the open candle partial. */
  readonly series: (symbol: string, interval: string, now: number) => Candle[] | undefined;
  /** The final values of the `index`-th candle of a replay (none before its epoch or past the recording). */
  readonly replayed: (symbol: string, live: LiveReplay, index: number) => Candle | undefined;
  /** The id of the first trade of the `index`-th candle of a replay (ids count up through the replay). */
  readonly firstTradeId: (symbol: string, live: LiveReplay, index: number) => number;
  readonly corruptionOf: (symbol: string, interval: string, openTime: number) => Corruption | undefined;
};

export const openMarket = (lives: readonly LiveReplay[], corrupt: readonly Corruption[]): Market => {
  const cache = new Map<string, Candle[] | undefined>();
  const recorded = (symbol: string, interval: string): Candle[] | undefined => {
    const key = `${recordedSymbol(symbol)}/${interval}`;
    if (!cache.has(key)) cache.set(key, loadSeries(recordedSymbol(symbol), interval));
    return cache.get(key);
  };
  const tradeCounts = new Map<string, number[]>();
  const replayOf = (interval: string) => lives.find((l) => l.interval === interval);
  const replayed = (symbol: string, live: LiveReplay, index: number): Candle | undefined => {
    const c = index < 0 ? undefined : recorded(symbol, live.source)?.[index];
    if (c === undefined) return undefined;
    const openTime = live.epoch + index * intervalMs[live.interval];
    return { ...c, openTime, closeTime: openTime + intervalMs[live.interval] - 1 };
  };
  const liveSeries = (symbol: string, live: LiveReplay, now: number): Candle[] | undefined => {
    const source = recorded(symbol, live.source);
    if (source === undefined) return undefined;
    const count = Math.min(source.length, Math.floor((now - live.epoch) / intervalMs[live.interval]) + 1);
    return Array.from({ length: Math.max(0, count) }, (_, i) => {
      const final = replayed(symbol, live, i)!;
      return final.closeTime < now ? final : partialCandle(final, now - final.openTime);
    });
  };
  return {
    lists: (symbol) => existsSync(join(binanceDataDir, recordedSymbol(symbol))),
    replayOf,
    series: (symbol, interval, now) => {
      const live = replayOf(interval);
      return live === undefined ? recorded(symbol, interval) : liveSeries(symbol, live, now);
    },
    replayed,
    firstTradeId: (symbol, live, index) => {
      const key = `${recordedSymbol(symbol)}/${live.source}`;
      if (!tradeCounts.has(key)) {
        let total = FIRST_TRADE_ID;
        tradeCounts.set(key, [
          total,
          ...(recorded(symbol, live.source) ?? []).map((c) => (total += c.trades)),
        ]);
      }
      return tradeCounts.get(key)![index] ?? FIRST_TRADE_ID;
    },
    corruptionOf: (symbol, interval, openTime) =>
      corrupt.find((k) => k.symbol === symbol && k.interval === interval && k.openTime === openTime),
  };
};
