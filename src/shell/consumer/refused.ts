import { decodeCandle } from '../../core/kline/message.ts';
import { problem, type Problem } from '../../core/kline/rejection.ts';
import type { DeadLetter, InMessage } from '../../core/pipeline/batch.ts';
import { candleSeries } from '../../core/points/candleLines.ts';
import type { PointKind } from '../../core/points/point.ts';
import type { RejectedLine } from '../influx/influx.ts';

/** The series (measurement and tags) and the time of a line of the consumer's: `<series> <fields> <time>`. */
const seriesAndTime = (line: string): string => {
  let i = 0;
  while (i < line.length && line[i] !== ' ') i += line[i] === '\\' ? 2 : 1;
  return `${line.slice(0, i)}@${line.slice(line.lastIndexOf(' ') + 1)}`;
};

/** The candle field InfluxDB's refusal names, for the dead letter's `error-field`. */
const fieldOf = (reason: string): string | undefined =>
  /retention/.test(reason) ? 'openTime' : /input field "([^"]+)"/.exec(reason)?.[1];

const KINDS: readonly PointKind[] = ['raw', 'enriched'];

/**
 * The records whose points InfluxDB refused for good (see `writePoints`), as dead letters naming the
 * point and InfluxDB's reason, and the refused lines no record owns (state snapshots, derived candles).
 */
export const refusedRecords = (
  messages: readonly InMessage[],
  refused: readonly RejectedLine[],
): { deadLetters: DeadLetter[]; unowned: RejectedLine[] } => {
  if (refused.length === 0) return { deadLetters: [], unowned: [] };
  const byKey = new Map(refused.map((r) => [seriesAndTime(r.line), r]));
  const owned = new Set<string>();
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    if (message.value === null) continue;
    const decoded = decodeCandle(message.value, message.key ?? undefined);
    if (!decoded.ok) continue; // a dead letter of its own already
    const reasons: Problem[] = [];
    for (const kind of KINDS) {
      const key = `${candleSeries(kind, decoded.value)}@${decoded.value.openTime}`;
      const r = byKey.get(key);
      if (r === undefined) continue;
      owned.add(key);
      reasons.push(problem(`InfluxDB refused the ${kind} point: ${r.reason}`, fieldOf(r.reason)));
    }
    if (reasons.length > 0) deadLetters.push({ message, problem: reasons[0]! });
  }
  return { deadLetters, unowned: [...byKey].filter(([k]) => !owned.has(k)).map(([, r]) => r) };
};

/** Whether a stored candle is one of the records dead-lettered. */
export const deadLettered = (
  deadLetters: readonly DeadLetter[],
): ((candle: { symbol: string; openTime: number }) => boolean) => {
  const keys = new Set<string>();
  for (const d of deadLetters) {
    if (d.message.value === null) continue;
    const c = decodeCandle(d.message.value, d.message.key ?? undefined);
    if (c.ok) keys.add(`${c.value.symbol}@${c.value.openTime}`);
  }
  return (c) => keys.has(`${c.symbol}@${c.openTime}`);
};
