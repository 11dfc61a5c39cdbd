import * as R from 'ramda';
import { openTimeOf, type Market, type Settled } from '../binance/live.ts';
import { settlePage, type PageRequest, type SettledPage } from '../binance/page.ts';
import type { RejectedRow } from '../binance/response.ts';
import type { Candle } from '../kline/candle.ts';
import { encodeCandle, type CandleMessage } from '../kline/message.ts';
import { fetchedDeadLetter, type DeadLetterRecord } from './deadLetter.ts';

/*
 * The producer's pure part, from what Binance served to the Kafka records of a market:
 *
 *   REST page:      classifyKlines (response.ts) → settle → recordsOfPage            = pageRecords
 *   settled run:    splitSettled → toRecords                                          = settledRecords
 *
 * A REST page and a run of closing stream events give the same records for the same rows. The shell
 * adds only what Kafka needs besides: the topic, the partition, the send.
 */

/** Rows of one market: valid candles and rows of known open time that are not valid candles, each in open-time order. */
export type Rows = { readonly candles: readonly Candle[]; readonly rejected: readonly RejectedRow[] };

/** When and how far a page counts: the request it answers, the exchange's time, the run's end (if bounded). */
export type PageContext = { readonly request: PageRequest; readonly now: number; readonly to?: number };

/** `settlePage`, data last: the rows of an answer that count (inside the page, closed at `now`, before `to`). */
export const settle =
  (interval: Market['interval'], { request, now, to }: PageContext) =>
  (received: Rows): SettledPage<RejectedRow> =>
    settlePage(interval, request, received, now, to);

/** A settled page's entries in open-time order: what the publisher takes from the REST path and the streams alike. */
export const inOpenTimeOrder = (page: SettledPage<RejectedRow>): Settled[] =>
  [
    ...page.publish.map((candle): Settled => ({ kind: 'candle', candle })),
    ...page.deadLetters.map((row): Settled => ({ kind: 'rejected', row })),
  ].sort((a, b) => openTimeOf(a) - openTimeOf(b));

/** Settled entries apart: the candles to publish and the rows to dead-letter, each in the entries' order. */
export const splitSettled = (settled: readonly Settled[]): Rows => {
  const candles: Candle[] = [];
  const rejected: RejectedRow[] = [];
  for (const s of settled) {
    if (s.kind === 'candle') candles.push(s.candle);
    else rejected.push(s.row);
  }
  return { candles, rejected };
};

/** A market's Kafka records, in open-time order, and the rejected rows behind its dead letters. */
export type MarketRecords = {
  /** For the market's topic: key = symbol, value = the candle as JSON, schema version and source headers. */
  readonly candles: readonly CandleMessage[];
  /** For the dead-letter topic: one per rejected row, naming why and where it came from. */
  readonly deadLetters: readonly DeadLetterRecord[];
  /** The rows the dead letters carry, for the shell's log lines and metrics. */
  readonly rejected: readonly RejectedRow[];
};

/** Encodes a market's rows: its candles as candle records, its rejected rows as dead letters, both from `source`. */
export const toRecords =
  (market: Market, source: string) =>
  ({ candles, rejected }: Rows): MarketRecords => ({
    candles: R.map(
      (c) => encodeCandle({ symbol: market.symbol, interval: market.interval, ...c }, source),
      candles,
    ),
    deadLetters: R.map((r) => fetchedDeadLetter(r, market, source), rejected),
    rejected,
  });

/** The records of settled entries (a run of closing stream events, or a settled page in open-time order). */
export const settledRecords = (
  market: Market,
  source: string,
): ((settled: readonly Settled[]) => MarketRecords) => R.pipe(splitSettled, toRecords(market, source));

/** A page's records and the market's cursor after it. */
export type PageRecords = MarketRecords & { readonly cursor: number };

/** The records of a settled page, and its cursor. */
export const recordsOfPage =
  (market: Market, source: string) =>
  (page: SettledPage<RejectedRow>): PageRecords => ({
    ...toRecords(market, source)({ candles: page.publish, rejected: page.deadLetters }),
    cursor: page.cursor,
  });

/**
 * What the producer publishes for an answered page of `market` (the `klines` outcome of `classifyKlines`,
 * or any `Rows`): the candle and dead-letter records of the rows that count, and the cursor after them.
 */
export const pageRecords = (
  market: Market,
  source: string,
  at: PageContext,
): ((received: Rows) => PageRecords) => R.pipe(settle(market.interval, at), recordsOfPage(market, source));
