import { InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import type { Enricher } from '../../core/indicators/index.ts';
import type { Interval } from '../../core/kline/interval.ts';
import {
  readSnapshot,
  SNAPSHOT_MEASUREMENT,
  type ReplayRange,
  type StoredPrices,
  type SymbolState,
} from '../../core/pipeline/snapshot.ts';

export type InfluxTarget = {
  readonly url: string;
  readonly token: string;
  readonly org: string;
};

/** Lines per write request. */
const CHUNK = 5000;

/**
 * Writes line protocol (ms) with `/api/v2/write` (InfluxDB 2, and 1.8 where bucket = database), in
 * order, in chunks; throws on the first refused chunk so the caller retries the whole batch (points
 * are keyed by time and tags, so rewriting them is harmless).
 */
export const writeLines = async (
  target: InfluxTarget,
  bucket: string,
  lines: readonly string[],
): Promise<void> => {
  for (let i = 0; i < lines.length; i += CHUNK) {
    const url = new URL('/api/v2/write', target.url);
    url.searchParams.set('org', target.org);
    url.searchParams.set('bucket', bucket);
    url.searchParams.set('precision', 'ms');
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Token ${target.token}`, 'content-type': 'text/plain; charset=utf-8' },
      body: lines.slice(i, i + CHUNK).join('\n'),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 204) {
      const body = await response.text().catch(() => '');
      throw new Error(`InfluxDB write to ${bucket} answered ${response.status}: ${body.slice(0, 200)}`);
    }
  }
};

export const fluxString = (s: string): string => JSON.stringify(s);

/** The Flux query API of an InfluxDB (30 s timeout per query). */
export const queryApi = (target: InfluxTarget): QueryApi =>
  new InfluxDB({ url: target.url, token: target.token, timeout: 30_000 }).getQueryApi(target.org);

/**
 * The newest enricher state of every symbol of an interval stored in the enriched bucket; a snapshot
 * that does not fit the enricher's configuration is reported and left out.
 */
export const loadSnapshots = async (
  target: InfluxTarget,
  bucket: string,
  interval: Interval,
  enricher: Enricher,
  onInvalid: (symbol: string, reason: string) => void,
): Promise<Map<string, SymbolState>> => {
  const api = queryApi(target);
  const rows = await api.collectRows<Record<string, unknown>>(`
    from(bucket: ${fluxString(bucket)})
      |> range(start: 1970-01-01T00:00:00Z, stop: 2200-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == ${fluxString(SNAPSHOT_MEASUREMENT)} and r.interval == ${fluxString(interval)})
      |> last()`);
  const fields = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const coin = String(row['coin']);
    fields.set(coin, { ...fields.get(coin), [String(row['_field'])]: row['_value'] });
  }
  const states = new Map<string, SymbolState>();
  for (const [coin, f] of fields) {
    const s = readSnapshot(f['state'], f['last_open_time'], enricher.isState, f['derive']);
    if (s.ok) states.set(coin, s.value);
    else onInvalid(coin, s.error);
  }
  return states;
};

/**
 * The prices (close, high, low) of the enriched points of an interval stored at or after each range's
 * start, for that range's symbols, per symbol.
 */
export const loadStoredPrices = async (
  target: InfluxTarget,
  bucket: string,
  interval: Interval,
  ranges: readonly ReplayRange[],
): Promise<Map<string, StoredPrices[]>> => {
  const prices = new Map<string, StoredPrices[]>();
  if (ranges.length === 0) return prices;
  const api = queryApi(target);
  // Equality tests joined by `or` are pushed down to the storage engine (series selection), unlike `contains`.
  const table = (r: ReplayRange) => `
    from(bucket: ${fluxString(bucket)})
      |> range(start: ${new Date(r.start).toISOString()}, stop: 2200-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == "enriched")
      |> filter(fn: (r) => ${r.symbols.map((s) => `r.coin == ${fluxString(s)}`).join(' or ')})
      |> filter(fn: (r) => r._field == "close" or r._field == "high" or r._field == "low")`;
  // union() needs two streams or more.
  const tables = ranges.length === 1 ? table(ranges[0]!) : `union(tables: [${ranges.map(table).join(',')}])`;
  const rows = await api.collectRows<Record<string, unknown>>(`
    ${tables}
      |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
      |> keep(columns: ["coin", "_time", "close", "high", "low"])`);
  for (const row of rows) {
    const coin = String(row['coin']);
    const p: StoredPrices = {
      openTime: Date.parse(String(row['_time'])),
      close: String(row['close']),
      high: String(row['high']),
      low: String(row['low']),
    };
    const list = prices.get(coin);
    if (list === undefined) prices.set(coin, [p]);
    else list.push(p);
  }
  return prices;
};

/** Stored points per symbol of an interval and kind whose time lies in [from, to). */
export const countPoints = async (
  target: InfluxTarget,
  bucket: string,
  interval: Interval,
  kind: 'raw' | 'enriched',
  from: number,
  to: number,
): Promise<Map<string, number>> => {
  const api = queryApi(target);
  const rows = await api.collectRows<Record<string, unknown>>(`
    from(bucket: ${fluxString(bucket)})
      |> range(start: ${new Date(from).toISOString()}, stop: ${new Date(to).toISOString()})
      |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == ${fluxString(kind)} and r._field == "close")
      |> count()`);
  return new Map(rows.map((r) => [String(r['coin']), Number(r['_value'])]));
};
