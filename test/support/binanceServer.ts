/**
 * A Binance-compatible test server on 127.0.0.1 (or on `host`: the cluster tests use the node address, which
 * pods reach): `GET /api/v3/klines` from the recorded data in `../shared/data/binance` (read in place, never
 * copied). The recordings are USDT pairs; a request for
 * another quote asset of the same base (`BTCUSDC`) is served the `BTCUSDT` candles — same schema,
 * other prices. Every file of a symbol and interval is merged by open time.
 *
 * Semantics as Binance: `startTime`/`endTime` bound the open times, `limit` defaults to 500 and may be
 * at most 1000, `endTime` alone gives the newest rows up to it; weight 2 per request reported in
 * `x-mbx-used-weight-1m` (fixed UTC minutes). Scripted faults (`fail`) answer the next requests with
 * 429 + Retry-After, 418 + Retry-After, 500, a delay (to provoke client timeouts), a truncated body or
 * a malformed one. Every request is recorded with its arrival time.
 *
 * Bad rows (`corrupt`): the rows named are served as a real bad row could look (a non-numeric price, or
 * high below low), always, as an exchange that stored them so would. They are not candles: `candles()`
 * leaves them out.
 *
 * Live mode (`live`): there are no recorded 1s files, so the recorded candles of a symbol at `source`
 * (e.g. the 15m week) are replayed one after another as `interval` candles from `epoch` on, each appearing
 * when its time comes. As on Binance, the candle still open is served too, with the partial values of a
 * candle that has just opened (open = high = low = close, no volume), and its close time in the future.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Candle } from '../../src/core/kline/candle.ts';
import { intervalMs, type Interval } from '../../src/core/kline/interval.ts';
import { toRestRow } from '../../src/core/kline/rest.ts';
import { parseKlines } from '../../src/core/kline/parse.ts';
import { binanceDataDir } from '../fixtures/binance.ts';

export type Fault =
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number }
  | { readonly kind: 'ban'; readonly retryAfterSeconds: number }
  | { readonly kind: 'server-error' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'malformed' };

export type RecordedRequest = {
  readonly time: number;
  readonly symbol: string;
  readonly interval: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
  readonly status: number;
  readonly fault?: Fault['kind'];
};

export type BinanceServer = {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Answers the next `times` kline requests with the fault (faults queue up in order). */
  fail(fault: Fault, times?: number): void;
  /** The candles served for a symbol (after the USDC→USDT mapping) and interval (in live mode: until now). */
  candles(symbol: string, interval: string): readonly Candle[];
  close(): Promise<void>;
};

const WEIGHT = 2;

const recordedSymbol = (symbol: string): string => symbol.replace(/(USDC|BUSD|FDUSD)$/, 'USDT');

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

/** A row the server always serves corrupted: a non-numeric close, or a high below the low. */
export type Corruption = {
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
  readonly kind: 'non-numeric-price' | 'high-below-low';
};

/** The REST row of a candle corrupted as asked (as JSON text). */
const corruptRow = (c: Candle, kind: Corruption['kind']): string => {
  const row: (string | number)[] = toRestRow(c);
  if (kind === 'non-numeric-price') row[4] = 'NaN';
  // high (index 2) one step below the low (index 3).
  else row[2] = (Number(c.low) - 1e-8).toFixed(8);
  return JSON.stringify(row);
};

export type LiveReplay = { readonly interval: Interval; readonly source: Interval; readonly epoch: number };

/** The recorded candles re-timed as consecutive `interval` candles from `epoch`, as far as `now` reaches. */
const liveSeries = (recorded: readonly Candle[], live: LiveReplay, now: number): Candle[] => {
  const step = intervalMs[live.interval];
  const count = Math.min(recorded.length, Math.floor((now - live.epoch) / step) + 1);
  return recorded.slice(0, Math.max(0, count)).map((c, i) => {
    const openTime = live.epoch + i * step;
    const closed = { ...c, openTime, closeTime: openTime + step - 1 };
    return closed.closeTime < now
      ? closed
      : {
          ...closed,
          high: c.open,
          low: c.open,
          close: c.open,
          volume: '0.00000000',
          quoteVolume: '0.00000000',
          trades: 0,
          takerBuyBase: '0.00000000',
          takerBuyQuote: '0.00000000',
        };
  });
};

const num = (v: string | null): number | undefined => (v !== null && /^\d+$/.test(v) ? Number(v) : undefined);

export const startBinanceServer = async (
  options: { live?: LiveReplay; host?: string; corrupt?: readonly Corruption[] } = {},
): Promise<BinanceServer> => {
  const corrupt = options.corrupt ?? [];
  const corruptionOf = (symbol: string, interval: string, openTime: number): Corruption | undefined =>
    corrupt.find((k) => k.symbol === symbol && k.interval === interval && k.openTime === openTime);
  const host = options.host ?? '127.0.0.1';
  const cache = new Map<string, Candle[] | undefined>();
  const recorded = (symbol: string, interval: string): Candle[] | undefined => {
    const key = `${recordedSymbol(symbol)}/${interval}`;
    if (!cache.has(key)) cache.set(key, loadSeries(recordedSymbol(symbol), interval));
    return cache.get(key);
  };
  const { live } = options;
  const series = (symbol: string, interval: string, now = Date.now()): Candle[] | undefined => {
    if (live === undefined || interval !== live.interval) return recorded(symbol, interval);
    const source = recorded(symbol, live.source);
    return source === undefined ? undefined : liveSeries(source, live, now);
  };
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  let minute = 0;
  let weight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/v3/klines') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":-1,"msg":"not found"}');
      return;
    }
    const now = Date.now();
    if (Math.floor(now / 60_000) !== minute) [minute, weight] = [Math.floor(now / 60_000), 0];
    weight += WEIGHT;
    const symbol = url.searchParams.get('symbol') ?? '';
    const interval = url.searchParams.get('interval') ?? '';
    const startTime = num(url.searchParams.get('startTime'));
    const endTime = num(url.searchParams.get('endTime'));
    const limit = num(url.searchParams.get('limit')) ?? 500;
    const fault = faults.shift();
    const record = (status: number) =>
      requests.push({
        time: now,
        symbol,
        interval,
        limit,
        status,
        ...(startTime === undefined ? {} : { startTime }),
        ...(endTime === undefined ? {} : { endTime }),
        ...(fault === undefined ? {} : { fault: fault.kind }),
      });
    const headers = {
      'content-type': 'application/json;charset=UTF-8',
      'x-mbx-used-weight-1m': String(weight),
    };
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      record(status);
      res.writeHead(status, { ...headers, ...extra }).end(body);
    };
    if (fault?.kind === 'rate-limit')
      return send(
        429,
        '{"code":-1003,"msg":"Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}',
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    if (fault?.kind === 'ban')
      return send(
        418,
        `{"code":-1003,"msg":"Way too much request weight used; IP banned until ${now + fault.retryAfterSeconds * 1000}. Please use WebSocket Streams for live updates to avoid bans."}`,
        { 'retry-after': String(fault.retryAfterSeconds) },
      );
    if (fault?.kind === 'server-error')
      return send(
        500,
        '{"code":-1008,"msg":"Server is currently overloaded with other requests. Please try again in a few minutes."}',
      );
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (limit < 1 || limit > 1000)
      return send(400, '{"code":-1130,"msg":"Invalid data sent for a parameter."}');
    const candles = series(symbol, interval, now);
    if (candles === undefined) return send(400, '{"code":-1121,"msg":"Invalid symbol."}');
    const inRange = candles.filter(
      (c) =>
        (startTime === undefined || c.openTime >= startTime) &&
        (endTime === undefined || c.openTime <= endTime),
    );
    const page =
      startTime === undefined && endTime !== undefined ? inRange.slice(-limit) : inRange.slice(0, limit);
    const body = `[${page
      .map((c) => {
        const bad = corruptionOf(symbol, interval, c.openTime);
        return bad === undefined ? JSON.stringify(toRestRow(c)) : corruptRow(c, bad.kind);
      })
      .join(',')}]`;
    if (fault?.kind === 'truncated')
      return send(200, body.slice(0, Math.max(1, Math.floor(body.length / 2))));
    if (fault?.kind === 'malformed')
      return send(200, body.replace(/"0"\]/, '"0",{"oops":true}]').replace(/^\[\[/, '[["x",'));
    return send(200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    fail: (fault, times = 1) => {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    candles: (symbol, interval) =>
      (series(symbol, interval) ?? []).filter(
        (c) => corruptionOf(symbol, interval, c.openTime) === undefined,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
