import type { MarketCandle } from '../kline/candle.ts';
import { decimalText, escapeKey, flat, floatText, seriesKey } from './lineProtocol.ts';
import { utf8Of, type LineWriter } from './lineBodies.ts';
import { MEASUREMENT, tagsOf, type PointKind } from './point.ts';

/*
 * The lines of a candle's points built straight from the candle, for the consumer's batch step: the
 * same text as `toLineProtocol(rawPoint(c))` and `toLineProtocol(enrichedPoint(c, indicators))` (tested
 * on every recorded candle) without a `Point` and a field object per line, without re-escaping the tag
 * set of every line, and with the candle's decimals written as text instead of through a float. A
 * candle's raw and enriched lines share the text of its own fields and of its time (`candleText`), and
 * each is returned flat (`flat`). The consumer's batch step writes the same text straight into its
 * request bodies (`writeRawLine`, `writeCandleLines`: see lineBodies.ts).
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

/**
 * The indicator fields of an enriched line (`,sma_20=…,rsi_14=…`), the finite values only, in the
 * indicators' order.
 */
export const indicatorFields = (indicators: Readonly<Record<string, number>>): string => {
  let fields = '';
  // A plain loop: ~15 indicators per candle, two lines per candle in every batch. `for…in` walks the
  // object's enum cache instead of allocating a key array per line (same order as Object.keys: a plain
  // object, nothing enumerable inherited).
  for (const name in indicators) {
    const value = indicators[name]!;
    if (Number.isFinite(value)) fields += fieldPrefix(name) + floatText(value);
  }
  return fields;
};

/** `enrichedLine` from the candle's `candleText`. */
export const enrichedLineOf = (
  series: string,
  t: CandleText,
  indicators: Readonly<Record<string, number>>,
): string => flat(`${series} ${t.fields}${indicatorFields(indicators)} ${t.time}`);

/** `toLineProtocol(rawPoint(c))`, given `candleSeries('raw', c)`. */
export const rawLine = (series: string, c: MarketCandle): string => rawLineOf(series, candleText(c));

/** `toLineProtocol(enrichedPoint(c, indicators))`, given `candleSeries('enriched', c)`. */
export const enrichedLine = (
  series: string,
  c: MarketCandle,
  indicators: Readonly<Record<string, number>>,
): string => enrichedLineOf(series, candleText(c), indicators);

/** The candle's decimal fields in `candleText`'s order, each with the bytes before its value. */
const DECIMAL_FIELDS = (['open', 'high', 'low', 'close', 'volume'] as const).map(
  (name, i) => [utf8Of(`${i === 0 ? '' : ','}${name}=`), name] as const,
);
const TRADES = utf8Of(',trades=');
const INTEGER = utf8Of('i');
const SPACE = utf8Of(' ');

/** A candle's own fields (`candleText`'s `fields`) into a body. */
const writeFields = (w: LineWriter, c: MarketCandle): void => {
  for (const [prefix, name] of DECIMAL_FIELDS) {
    w.bytes(prefix);
    w.decimal(c[name]);
  }
  w.bytes(TRADES);
  w.integer(c.trades);
  w.bytes(INTEGER);
};

const seriesCache = new Map<string, Uint8Array>();
/** More markets than a consumer has (a few dozen symbols, three kinds): past it, a series is encoded each time. */
const MAX_SERIES = 4096;

/**
 * The series key of a market's points of one kind (`candleSeries`) and the space after it, as bytes,
 * built once per market: every batch writes the same series (read only: the bytes are shared).
 */
export const seriesBytes = (
  kind: PointKind,
  market: Pick<MarketCandle, 'symbol' | 'interval'>,
): Uint8Array => {
  // Kinds and intervals have no space, so the symbol last makes the key unambiguous.
  const key = `${kind} ${market.interval} ${market.symbol}`;
  let bytes = seriesCache.get(key);
  if (bytes === undefined) {
    bytes = utf8Of(`${candleSeries(kind, market)} `);
    if (seriesCache.size < MAX_SERIES) seriesCache.set(key, bytes);
  }
  return bytes;
};

/** A raw line's series key (`seriesBytes`) and fields, into a body; where its fields begin (`mark`). */
const writeHead = (w: LineWriter, series: Uint8Array, c: MarketCandle): number => {
  w.bytes(series);
  const fields = w.mark();
  writeFields(w, c);
  return fields;
};

/** The space and the candle's time that end its lines. */
const writeTime = (w: LineWriter, c: MarketCandle): void => {
  w.bytes(SPACE);
  w.integer(c.openTime);
};

/** `rawLine(series, c)` written into a body, given the series as `seriesBytes`. */
export const writeRawLine = (w: LineWriter, series: Uint8Array, c: MarketCandle): void => {
  writeHead(w, series, c);
  writeTime(w, c);
  w.endLine();
};

/**
 * `rawLine` and `enrichedLine` of a candle, written into their bodies (given their `seriesBytes`): its
 * fields and time are written once, into the raw line, and copied.
 */
export const writeCandleLines = (
  raw: LineWriter,
  rawSeries: Uint8Array,
  enriched: LineWriter,
  enrichedSeries: Uint8Array,
  c: MarketCandle,
  indicators: Readonly<Record<string, number>>,
): void => {
  const fields = writeHead(raw, rawSeries, c);
  enriched.bytes(enrichedSeries);
  raw.copyTo(enriched, fields);
  // One text for all the values: written value by value, the lines took nearly twice as long (docs/benchmarks.md).
  enriched.text(indicatorFields(indicators));
  const time = raw.mark();
  writeTime(raw, c);
  raw.copyTo(enriched, time);
  raw.endLine();
  enriched.endLine();
};
