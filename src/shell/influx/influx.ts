import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import type { Enricher } from '../../core/indicators/index.ts';
import type { Interval } from '../../core/kline/interval.ts';
import type { Result } from '../../core/result.ts';
import { LINES_PER_BODY } from '../../core/points/lineBodies.ts';
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

/** Bounds of one InfluxDB call: its own timeout, and a signal that abandons it earlier (stop, rebalance). */
export type CallOptions = { readonly timeoutMs?: number; readonly signal?: AbortSignal };

/** Per request when the caller names none. */
export const DEFAULT_INFLUX_TIMEOUT_MS = 60_000;

/**
 * A request InfluxDB did not answer (network, timeout: no `status`) or answered with an error status; all
 * of them are worth retrying (the 422 of points InfluxDB refuses is an answer, see `writePoints`).
 */
export class InfluxUnavailable extends Error {
  override readonly name = 'InfluxUnavailable';
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

const callSignal = (o: CallOptions): AbortSignal => {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS);
  return o.signal === undefined ? timeout : AbortSignal.any([timeout, o.signal]);
};

const describe = (e: unknown): string => {
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return e instanceof Error ? `${e.message}${cause}` : String(e);
};

/** `fetch` to the InfluxDB API, bounded; a failure to get an answer is an `InfluxUnavailable`. */
const request = async (
  target: InfluxTarget,
  path: string,
  init: { method: string; body?: string; contentType?: string },
  o: CallOptions,
): Promise<{ status: number; text: string }> => {
  try {
    const response = await fetch(new URL(path, target.url), {
      method: init.method,
      headers: {
        authorization: `Token ${target.token}`,
        ...(init.contentType === undefined ? {} : { 'content-type': init.contentType }),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: callSignal(o),
    });
    return { status: response.status, text: await response.text() };
  } catch (e) {
    throw new InfluxUnavailable(`InfluxDB ${init.method} ${path.split('?')[0]}: ${describe(e)}`, undefined, {
      cause: e,
    });
  }
};

/** A write request's body: lines joined by newlines, as text or as UTF-8 (the consumer's `Bodies`). */
export type Body = string | Uint8Array;

const utf8 = new TextDecoder();
const textOf = (body: Body): string => (typeof body === 'string' ? body : utf8.decode(body));

/** A line InfluxDB refused (422: outside the bucket's retention, a field of another type), and why. */
export type RejectedLine = { readonly line: string; readonly reason: string };

/** InfluxDB's message of a 422 without the per-point details (`… - oldest point …`). */
const rejection = (text: string): { reason: string; dropped?: number } => {
  let message = text;
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    // not JSON: the text as it is
  }
  const dropped = /dropped=(\d+)/.exec(message)?.[1];
  const reason = message
    .replace(/^failure writing points to database: partial write: /, '')
    .replace(/ - oldest point .*$/s, '')
    .replace(/ dropped=\d+.*$/s, '')
    .slice(0, 200);
  return dropped === undefined ? { reason } : { reason, dropped: Number(dropped) };
};

/** Connections kept open between writes (a consumer writes two requests per batch). */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * A write request with `node:http` rather than `fetch`: fetch copies the body into a `Uint8Array` held
 * through a web stream until the answer (2–5 MB per request, external memory kept alive by the scavenges
 * of the batches processed meanwhile), and its streams cost more CPU per request than the request itself;
 * `end(body)` hands the body (text or bytes) to the socket. Same request (method, headers, body), same
 * errors as `request`.
 */
const postBody = async (
  target: InfluxTarget,
  bucket: string,
  body: Body,
  o: CallOptions,
): Promise<{ status: number; text: string }> => {
  const query = new URLSearchParams({ org: target.org, bucket, precision: 'ms' });
  const path = `/api/v2/write?${query}`;
  const url = new URL(path, target.url);
  const https = url.protocol === 'https:';
  try {
    return await new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Token ${target.token}`,
            'content-type': 'text/plain; charset=utf-8',
            'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
          },
          agent: https ? agents.https : agents.http,
          signal: callSignal(o),
        },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          // Once the body is written out too: a server may answer before it read the body, and the
          // caller may free the body's bytes once this resolves (see `discard` in the consumer).
          res.on('end', () => written.then(() => resolve({ status: res.statusCode ?? 0, text })));
          res.on('error', reject);
        },
      );
      const written = new Promise<void>((done) => req.once('finish', done));
      req.on('error', reject);
      req.end(body);
    });
  } catch (e) {
    throw new InfluxUnavailable(`InfluxDB POST ${path.split('?')[0]}: ${describe(e)}`, undefined, {
      cause: e,
    });
  }
};

/**
 * The request bodies of `writePoints`: `LINES_PER_BODY` lines each, joined by newlines (a line of line protocol
 * holds no newline). A caller that builds them as soon as its lines exist and drops the lines lets them
 * die young while the requests are under way: a batch's ~7,000 lines are a tree of small strings each,
 * several MB in all, that otherwise survive the scavenges of the other batches processed meanwhile and
 * end in the old generation.
 *
 * Not `bodiesOf` (lineBodies.ts): lines that already exist as strings are cheapest joined and left to
 * the socket to encode. Encoded to bytes by `bodiesOf`, the bench's peer (bench/peer.ts, which writes
 * its lines with `writeLines`) took 39–42 ms of CPU per 1,000 candles against 27–32 (2026-12-02, two
 * rounds each). The consumer's batches are bytes because their lines are written as bytes in the first place.
 */
export const requestBodies = (lines: readonly string[]): string[] => {
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_BODY)
    bodies.push(lines.slice(i, i + LINES_PER_BODY).join('\n'));
  return bodies;
};

/**
 * Writes one request body and returns the lines InfluxDB refused. A 422 is a partial write: InfluxDB
 * stored the other lines and names only how many it dropped, so the refused ones are found by halving
 * (the halves are rewritten, harmlessly: points are keyed by series and time) down to the parts it
 * dropped entirely.
 */
const writeBody = async (
  target: InfluxTarget,
  bucket: string,
  body: Body,
  o: CallOptions,
): Promise<RejectedLine[]> => {
  const { status, text } = await postBody(target, bucket, body, o);
  if (status === 204) return [];
  if (status !== 422)
    throw new InfluxUnavailable(
      `InfluxDB write to ${bucket} answered ${status}: ${text.slice(0, 200)}`,
      status,
    );
  const { reason, dropped } = rejection(text);
  const lines = textOf(body).split('\n');
  if (lines.length === 1 || (dropped !== undefined && dropped >= lines.length))
    return lines.map((line) => ({ line, reason }));
  if (dropped === 0) return [];
  const half = Math.ceil(lines.length / 2);
  return [
    ...(await writeBody(target, bucket, lines.slice(0, half).join('\n'), o)),
    ...(await writeBody(target, bucket, lines.slice(half).join('\n'), o)),
  ];
};

/**
 * `writePoints` of bodies built by `requestBodies` or written as bytes (`Bodies`): in order, each request
 * bounded by `timeoutMs`. Returns the lines InfluxDB refused for good; throws `InfluxUnavailable` as
 * `writePoints` does.
 */
export const writeBodies = async (
  target: InfluxTarget,
  bucket: string,
  bodies: readonly Body[],
  o: CallOptions = {},
): Promise<RejectedLine[]> => {
  const rejected: RejectedLine[] = [];
  for (const body of bodies) rejected.push(...(await writeBody(target, bucket, body, o)));
  return rejected;
};

/**
 * Writes line protocol (ms) with `/api/v2/write` (InfluxDB 2, and 1.8 where bucket = database), in
 * order, in chunks, each request bounded by `timeoutMs`. Returns the lines InfluxDB refused for good
 * (422: outside the retention period, a field type conflict); throws `InfluxUnavailable` when a chunk is
 * not stored for a reason worth retrying (no answer, 5xx, 401, 404…) so the caller retries the whole
 * batch (points are keyed by time and tags, so rewriting them is harmless).
 */
export const writePoints = (
  target: InfluxTarget,
  bucket: string,
  lines: readonly string[],
  o: CallOptions = {},
): Promise<RejectedLine[]> => writeBodies(target, bucket, requestBodies(lines), o);

/** `writePoints` that throws when InfluxDB refused a line. */
export const writeLines = async (
  target: InfluxTarget,
  bucket: string,
  lines: readonly string[],
  o: CallOptions = {},
): Promise<void> => {
  const rejected = await writePoints(target, bucket, lines, o);
  if (rejected.length > 0)
    throw new Error(`InfluxDB refused ${rejected.length} lines of ${bucket} (422): ${rejected[0]!.reason}`);
};

/**
 * Whether InfluxDB answers for a bucket: it looks the bucket up (reachable, the token valid, the bucket
 * there); throws `InfluxUnavailable` saying what failed.
 */
export const probeBucket = async (
  target: InfluxTarget,
  bucket: string,
  o: CallOptions = {},
): Promise<void> => {
  const query = new URLSearchParams({ org: target.org, name: bucket });
  const { status, text } = await request(target, `/api/v2/buckets?${query}`, { method: 'GET' }, o);
  if (status !== 200)
    throw new InfluxUnavailable(
      `InfluxDB bucket lookup of ${bucket} answered ${status}: ${text.slice(0, 200)}`,
      status,
    );
  const found = (JSON.parse(text) as { buckets?: { name?: string }[] }).buckets ?? [];
  if (!found.some((b) => b.name === bucket))
    throw new InfluxUnavailable(`InfluxDB has no bucket ${bucket} in org ${target.org}`, 404);
};

export const fluxString = (s: string): string => JSON.stringify(s);

/** A Flux predicate on the symbol: `==` joined by `or`, which InfluxDB pushes down to the storage engine (series selection), unlike `contains`. */
export const coinIs = (symbols: readonly string[]): string =>
  symbols.map((s) => `r.coin == ${fluxString(s)}`).join(' or ');

/** Tables read as one stream (`union()` needs two or more). */
export const fluxUnion = (tables: readonly string[]): string =>
  tables.length === 1 ? tables[0]! : `union(tables: [${tables.join(',')}])`;

/** The time of a Flux row, epoch ms. */
export const rowTime = (row: Record<string, unknown>): number => Date.parse(String(row['_time']));

/** A Flux `range` over [start, stop) in epoch ms. */
export const fluxRange = (start: number, stop: number): string =>
  `range(start: ${new Date(start).toISOString()}, stop: ${new Date(stop).toISOString()})`;

/** The Flux query API of an InfluxDB (each query bounded by `timeoutMs`, 60 s by default). */
export const queryApi = (target: InfluxTarget, timeoutMs = DEFAULT_INFLUX_TIMEOUT_MS): QueryApi =>
  new InfluxDB({ url: target.url, token: target.token, timeout: timeoutMs }).getQueryApi(target.org);

/**
 * The rows of a Flux query as objects; bounded by `timeoutMs`, cancelled when `signal` aborts. Any failure
 * is an `InfluxUnavailable`.
 */
export const collect = (
  target: InfluxTarget,
  flux: string,
  o: CallOptions = {},
): Promise<Record<string, unknown>[]> =>
  new Promise((resolve, reject) => {
    const rows: Record<string, unknown>[] = [];
    let cancel = (): void => undefined;
    const onAbort = () => {
      fail(o.signal?.reason); // first: cancelling may complete the query
      cancel();
    };
    const fail = (e: unknown) => {
      o.signal?.removeEventListener('abort', onAbort);
      reject(new InfluxUnavailable(`InfluxDB query: ${describe(e)}`, statusOf(e), { cause: e }));
    };
    if (o.signal?.aborted === true) return fail(o.signal.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    queryApi(target, o.timeoutMs).queryRows(flux, {
      next: (values, meta) => void rows.push(meta.toObject(values)),
      error: fail,
      complete: () => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve(rows);
      },
      useCancellable: (c) => (cancel = () => c.cancel()),
    });
  });

const statusOf = (e: unknown): number | undefined => {
  const status = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
};

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
  o: CallOptions = {},
): Promise<Map<string, SymbolState>> => {
  const rows = await collect(
    target,
    `
    from(bucket: ${fluxString(bucket)})
      |> range(start: 1970-01-01T00:00:00Z, stop: 2200-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == ${fluxString(SNAPSHOT_MEASUREMENT)} and r.interval == ${fluxString(interval)})
      |> last()`,
    o,
  );
  const states = new Map<string, SymbolState>();
  for (const [coin, s] of snapshotsOfRows(rows, enricher.isState)) {
    if (s.ok) states.set(coin, s.value);
    else onInvalid(coin, s.error);
  }
  return states;
};

/** Snapshot rows (one per field, as `last()` returns them) read back per symbol (`readSnapshot`). */
export const snapshotsOfRows = (
  rows: readonly Record<string, unknown>[],
  isState: Enricher['isState'],
): Map<string, Result<SymbolState, string>> => {
  const fields = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const coin = String(row['coin']);
    fields.set(coin, { ...fields.get(coin), [String(row['_field'])]: row['_value'] });
  }
  const states = new Map<string, Result<SymbolState, string>>();
  for (const [coin, f] of fields)
    states.set(coin, readSnapshot(f['state'], f['last_open_time'], isState, f['derive']));
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
  o: CallOptions = {},
): Promise<Map<string, StoredPrices[]>> => {
  const prices = new Map<string, StoredPrices[]>();
  if (ranges.length === 0) return prices;
  const table = (r: ReplayRange) => `
    from(bucket: ${fluxString(bucket)})
      |> range(start: ${new Date(r.start).toISOString()}, stop: 2200-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == "enriched")
      |> filter(fn: (r) => ${coinIs(r.symbols)})
      |> filter(fn: (r) => r._field == "close" or r._field == "high" or r._field == "low")`;
  const tables = fluxUnion(ranges.map(table));
  const rows = await collect(
    target,
    `
    ${tables}
      |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
      |> keep(columns: ["coin", "_time", "close", "high", "low"])`,
    o,
  );
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
  o: CallOptions = {},
): Promise<Map<string, number>> => {
  const rows = await collect(
    target,
    `
    from(bucket: ${fluxString(bucket)})
      |> range(start: ${new Date(from).toISOString()}, stop: ${new Date(to).toISOString()})
      |> filter(fn: (r) => r._measurement == "kline" and r.interval == ${fluxString(interval)} and r.type == ${fluxString(kind)} and r._field == "close")
      |> count()`,
    o,
  );
  return new Map(rows.map((r) => [String(r['coin']), Number(r['_value'])]));
};
