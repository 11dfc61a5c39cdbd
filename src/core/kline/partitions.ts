import { err, ok, type Result } from '../result.ts';
import { symbolPattern } from './message.ts';

/**
 * Which partition of an interval's topic carries each symbol's candles. Not a hash of the key: with a
 * handful of symbols a hash puts several on one partition and leaves others empty, so consumers beyond the
 * first few get nothing to do. The operator keeps the assignment (the stream's status) and gives it to the
 * producers; every interval's topic of a stream uses the same one.
 */
export type SymbolPartitions = Readonly<Record<string, number>>;

const fitting = (a: SymbolPartitions, partitions: number): Record<string, number> =>
  Object.fromEntries(Object.entries(a).filter(([, p]) => Number.isInteger(p) && p >= 0 && p < partitions));

/**
 * The next assignment. A symbol keeps the partition it was given for the life of the topic, so its candles
 * stay in order: also after it was removed and listed again, and when the topic grows (a partition count
 * only grows). Each new symbol goes to the partition that carries the fewest listed symbols; among those,
 * the one fewest symbols ever had (a removed symbol listed again finds its partition to itself), then the
 * lowest. So with no more symbols than partitions every symbol has a partition of its own, 0, 1, 2, … in
 * the order they were listed, and a consumer group of up to one member per symbol has work for every member.
 */
export const assignPartitions = (
  previous: SymbolPartitions,
  symbols: readonly string[],
  partitions: number,
): SymbolPartitions => {
  const next = fitting(previous, partitions);
  const listed = Array.from({ length: partitions }, () => 0);
  const ever = Array.from({ length: partitions }, () => 0);
  for (const s of symbols) if (next[s] !== undefined) listed[next[s]]! += 1;
  for (const p of Object.values(next)) ever[p]! += 1;
  const better = (a: number, b: number) =>
    listed[a]! < listed[b]! || (listed[a] === listed[b] && ever[a]! < ever[b]!);
  for (const s of symbols) {
    if (next[s] !== undefined) continue;
    const least = listed.reduce((best, _, p) => (better(p, best) ? p : best), 0);
    next[s] = least;
    listed[least]! += 1;
    ever[least]! += 1;
  }
  return next;
};

/** `BTCUSDC:0,ETHUSDC:1`: the listed symbols' partitions, as the producers get them. */
export const formatSymbolPartitions = (a: SymbolPartitions, symbols: readonly string[]): string =>
  symbols.map((s) => `${s}:${a[s]}`).join(',');

/** Reads `BTCUSDC:0,ETHUSDC:1`; names the first entry that is not `SYMBOL:partition`. */
export const parseSymbolPartitions = (text: string): Result<SymbolPartitions, string> => {
  const entries: [string, number][] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    const match = /^([^:]+):(\d{1,6})$/.exec(entry);
    if (match === null || !symbolPattern.test(match[1]!))
      return err(`not SYMBOL:partition: ${JSON.stringify(entry)}`);
    if (entries.some(([s]) => s === match[1])) return err(`${match[1]} is assigned a partition twice`);
    entries.push([match[1]!, Number(match[2])]);
  }
  return ok(Object.fromEntries(entries));
};

/**
 * The partition of each symbol a producer publishes, on a topic of `partitions` partitions: the given
 * assignment (from the operator) must place every symbol on a partition the topic has; without one, the
 * symbols are assigned afresh in the order listed (a stand-alone producer on its own topic).
 */
export const publishingPartitions = (
  symbols: readonly string[],
  assigned: SymbolPartitions | undefined,
  partitions: number,
): Result<SymbolPartitions, string> => {
  if (assigned === undefined) return ok(assignPartitions({}, symbols, partitions));
  const missing = symbols.filter((s) => assigned[s] === undefined);
  if (missing.length > 0) return err(`no partition assigned to ${missing.join(', ')}`);
  const beyond = symbols.filter((s) => assigned[s]! >= partitions);
  if (beyond.length > 0)
    return err(
      `${beyond.map((s) => `${s} is assigned partition ${assigned[s]}`).join(', ')}, but the topic has ${partitions} partitions (0–${partitions - 1})`,
    );
  return ok(Object.fromEntries(symbols.map((s) => [s, assigned[s]!])));
};
