import type { MarketCandle } from '../kline/candle.ts';
import { decimalText, escapeKey, flat, floatText, seriesKey } from './lineProtocol.ts';
import { MEASUREMENT, tagsOf, type PointKind } from './point.ts';

/*
 * The lines of a candle's points built straight from the candle, for the consumer's batch step: the
 * same text as `toLineProtocol(rawPoint(c))` and `toLineProtocol(enrichedPoint(c, indicators))` (tested
 * on every recorded candle) without a `Point` and a field object per line, without re-escaping the tag
 * set of every line, and with the candle's decimals written as text instead of through a float. A
 * candle's raw and enriched lines share the text of its own fields and of its time (`candleText`), and
 * each is returned flat (`flat`): the consumer holds a batch's lines until it writes them.
 */

/** The escaped measurement and tag set shared by every point of one market and kind. */
export const candleSeries = (kind: PointKind, market: Pick<MarketCandle, 'symbol' | 'interval'>): string =>
  seriesKey(MEASUREMENT, tagsOf(kind, market));

/** What a candle's raw and enriched lines share: its own fields (`open=…,trades=…i`) and its time. */
export type CandleText = { readonly fields: string; readonly time: string };

export const candleText = (c: MarketCandle): CandleText => ({
  fields:
    `open=${decimalText(c.open)},high=${decimalText(c.high)},low=${decimalText(c.low)},` +
    `close=${decimalText(c.close)},volume=${decimalText(c.volume)},trades=${c.trades}i`,
  time: `${c.openTime}`,
});

/** `rawLine` from the candle's `candleText`. */
export const rawLineOf = (series: string, t: CandleText): string => flat(`${series} ${t.fields} ${t.time}`);

const prefixes = new Map<string, string>();
/** More names than any indicator configuration has: past it, a name's prefix is built each time. */
const MAX_PREFIXES = 1024;

/**
 * `,name=` with the name escaped, built once per indicator name (a configuration has a few dozen): a
 * scan and three concatenations less per field of every enriched line (see docs/benchmarks.md).
 */
const fieldPrefix = (name: string): string => {
  let prefix = prefixes.get(name);
  if (prefix === undefined) {
    prefix = `,${escapeKey(name)}=`;
    if (prefixes.size < MAX_PREFIXES) prefixes.set(name, prefix);
  }
  return prefix;
};

/** `enrichedLine` from the candle's `candleText`. */
export const enrichedLineOf = (
  series: string,
  t: CandleText,
  indicators: Readonly<Record<string, number>>,
): string => {
  let fields = t.fields;
  // A plain loop: ~15 indicators per candle, two lines per candle in every batch. `for…in` walks the
  // object's enum cache instead of allocating a key array per line (same order as Object.keys: a plain
  // object, nothing enumerable inherited).
  for (const name in indicators) {
    const value = indicators[name]!;
    if (Number.isFinite(value)) fields += fieldPrefix(name) + floatText(value);
  }
  return flat(`${series} ${fields} ${t.time}`);
};

/** `toLineProtocol(rawPoint(c))`, given `candleSeries('raw', c)`. */
export const rawLine = (series: string, c: MarketCandle): string => rawLineOf(series, candleText(c));

/** `toLineProtocol(enrichedPoint(c, indicators))`, given `candleSeries('enriched', c)`. */
export const enrichedLine = (
  series: string,
  c: MarketCandle,
  indicators: Readonly<Record<string, number>>,
): string => enrichedLineOf(series, candleText(c), indicators);
