import { attempt, chain, err, map, ok, type Result } from '../result.ts';
import type { Candle } from './candle.ts';
import { fromCsvLine } from './csv.ts';
import type { Interval } from './interval.ts';
import { describeProblem, type Position, type Problem, type Rejection } from './rejection.ts';
import { fromRestRow } from './rest.ts';
import { requireInterval, seriesInterval } from './validate.ts';
import { fromStreamPayload, type StreamKline } from './websocket.ts';

/** A candle read from any Binance kline shape, with what the shape told about it and where it was. */
export type ParsedKline = {
  readonly candle: Candle;
  readonly position: Position;
  /** Known from WebSocket payloads only. */
  readonly symbol?: string;
  readonly interval?: Interval;
  /** WebSocket `k.x`; REST and CSV rows carry no flag (a row is closed when its closeTime has passed). */
  readonly final?: boolean;
};

export type ParseResult = Result<ParsedKline, Rejection>;

const at =
  (position: Position) =>
  (r: Result<Omit<ParsedKline, 'position'>, Problem>): ParseResult =>
    r.ok ? ok({ ...r.value, position }) : err({ ...r.error, position });

/** A stream kline must be a candle of the interval its payload names (`k.i`). */
const ofItsInterval = (k: StreamKline): Result<StreamKline, Problem> =>
  map((candle: Candle) => ({ ...k, candle }))(requireInterval(k.interval)(k.candle));

const fromJsonValue = (value: unknown): Result<Omit<ParsedKline, 'position'>, Problem> => {
  if (Array.isArray(value)) {
    const candle = fromRestRow(value);
    return candle.ok ? ok({ candle: candle.value }) : candle;
  }
  return chain(ofItsInterval)(fromStreamPayload(value));
};

/** data.binance.vision CSV lines start with the open time; JSON ones with a bracket or brace. */
const isCsvLine = (line: string): boolean => /^\d/.test(line);

const fromLine = (line: string): Result<Omit<ParsedKline, 'position'>, Problem> => {
  if (line.startsWith('[') || line.startsWith('{')) {
    const value = attempt(
      () => JSON.parse(line) as unknown,
      (e) => ({ reason: `not valid JSON (${e instanceof Error ? e.message : String(e)})` }),
    );
    return value.ok ? fromJsonValue(value.value) : value;
  }
  if (isCsvLine(line)) {
    const candle = fromCsvLine(line);
    return candle.ok ? ok({ candle: candle.value }) : candle;
  }
  return err({
    reason: `not a kline record (REST array, WebSocket object or CSV line): ${line.slice(0, 40)}`,
  });
};

/**
 * Unwraps one line of a multi-line JSON array of rows (`[[…],` / `[…],` / `[…]]`), the layout of
 * pretty-printed REST responses, so each row can be read on its own. Other lines (CSV) stay as they are:
 * a CSV line's trailing comma is a 13th column.
 */
const unwrapArrayLine = (line: string): string => {
  if (isCsvLine(line)) return line;
  let s = line.endsWith(',') ? line.slice(0, -1).trimEnd() : line;
  if (s.startsWith('[[')) s = s.slice(1);
  if (s.endsWith(']]')) s = s.slice(0, -1);
  return s;
};

const parseLines = (text: string): ParseResult[] => {
  const results: ParseResult[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = unwrapArrayLine(lines[i]!.trim());
    if (line === '' || line === '[' || line === ']') continue;
    results.push(at({ record: results.length + 1, line: i + 1 })(fromLine(line)));
  }
  return results;
};

/**
 * The 1-based line on which each element of a top-level JSON array starts (the text is valid JSON),
 * so the records of a document are reported by line as well as by number.
 */
const elementLines = (text: string): number[] => {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (const ch of text) {
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && expectElement && ch.trim() !== '' && ch !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectElement = true;
  }
  return lines;
};

/** The records of a whole JSON document: an array of rows or payloads, one row, or one payload. */
const parseDocument = (text: string, doc: unknown): ParseResult[] => {
  const isList =
    Array.isArray(doc) && doc.every((e) => Array.isArray(e) || (typeof e === 'object' && e !== null));
  if (!isList) return [at({ record: 1, line: 1 })(fromJsonValue(doc))];
  const lines = elementLines(text);
  return doc.map((r: unknown, i) => at({ record: i + 1, line: lines[i] ?? 1 })(fromJsonValue(r)));
};

const readRecords = (text: string): ParseResult[] => {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const doc = attempt(
      () => JSON.parse(trimmed) as unknown,
      () => undefined,
    );
    if (doc.ok) return parseDocument(trimmed, doc.value);
  }
  return parseLines(text);
};

/** Rejects, at its position, every candle that is not one of `interval` (span and open time). */
const keepInterval =
  (interval: Interval) =>
  (r: ParseResult): ParseResult => {
    if (!r.ok) return r;
    const fits = requireInterval(interval)(r.value.candle);
    return fits.ok ? r : err({ ...fits.error, position: r.value.position });
  };

/**
 * Reads klines in every real Binance shape, detected from the text: a REST `/api/v3/klines` response
 * (one document, or one row per line), data.binance.vision CSV (ms or µs), WebSocket kline payloads
 * (raw or combined, one per line). Every record yields a candle or a rejection with its position, in
 * input order; nothing throws and nothing is dropped.
 *
 * Every candle is one of `interval`: it spans it and opens at the start of one of its buckets. Without
 * an interval, the input's own is used (`seriesInterval` of its candles), so a record of a wrong close
 * time or open time is rejected whatever its place in the input, and the valid records are kept.
 */
export const parseKlines = (text: string, interval?: Interval): ParseResult[] => {
  const records = readRecords(text);
  const own = interval ?? seriesInterval(records.flatMap((r) => (r.ok ? [r.value.candle] : [])));
  return own === undefined ? records : records.map(keepInterval(own));
};

/** One line of text for a rejection: where, what and why. */
export const describeRejection = (r: Rejection): string =>
  `record ${r.position.record}${r.position.line === undefined ? '' : ` (line ${r.position.line})`}: ${describeProblem(r)}`;
