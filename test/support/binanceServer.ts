/**
 * A Binance-compatible test server on 127.0.0.1 (or on `host`: the cluster tests use the node address, which
 * pods reach), the one stand-in for Binance. It behaves like the exchange in what a client can observe:
 *
 * Clock: the server has its own clock, `Date.now() + clockOffsetMs` (a negative offset models a host clock
 * ahead of Binance's). Everything it decides uses it: which candle is closed or open, the weight minute,
 * ban end times, WebSocket event times and closing events. `GET /api/v3/time` answers `{"serverTime":…}`
 * (weight 1) and every HTTP answer carries a `Date` header of that clock.
 *
 * REST (binance/rest.ts): `GET /api/v3/klines` from the recorded data in `../shared/data/binance` (read in
 * place, never copied). The recordings are USDT pairs; a request for another quote asset of the same base
 * (`BTCUSDC`) is served the `BTCUSDT` candles — same schema, other prices. Every file of a symbol and interval
 * is merged by open time. `startTime`/`endTime` bound the open times, `limit` defaults to 500 and may be at
 * most 1000, without `startTime` the newest rows (up to `endTime`) come; weight 2 per request reported in
 * `x-mbx-used-weight-1m` (fixed UTC minutes). Scripted faults (`fail`) answer the next kline requests with
 * 429 + Retry-After, 418 + Retry-After, 500, a delay (to provoke client timeouts), a truncated body or a
 * malformed one. Every kline request is recorded with its arrival time.
 *
 * Bad rows (`corrupt`): the rows named are served as a real bad row could look (a non-numeric price, or
 * high below low), always, as an exchange that stored them so would, over REST and in closing events alike.
 * They are not candles: `candles()` leaves them out.
 *
 * Live mode (`live`, one replay or several): there are no recorded 1s files, so the recorded candles of a
 * symbol at `source` (e.g. the 15m week) are replayed one after another as `interval` candles from `epoch`
 * on, each appearing when its time comes. As on Binance, the candle still open is served too, with partial
 * values (high, low and close on their way from the open to the final values, part of the volume and
 * trades) and its close time in the future.
 *
 * WebSocket kline streams (binance/klineStreams.ts) on the same port, as Binance serves them: `/ws/<stream>`
 * and `/stream?streams=…`, updates of the open candle of each live interval (`x` false) and its closing
 * event (`x` true, the values REST serves), pings, pong timeout, the 24-hour cut, the stream and message
 * limits. Tests can drop every connection abruptly and delay the closing events.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Candle } from '../../src/core/kline/candle.ts';
import { klineStreams, type StreamConnection } from './binance/klineStreams.ts';
import { openMarket, type Corruption, type LiveReplay } from './binance/market.ts';
import { restApi, type Fault, type RecordedRequest } from './binance/rest.ts';

export type { Corruption, LiveReplay } from './binance/market.ts';
export type { Fault, RecordedRequest } from './binance/rest.ts';
export type { ConnectionEnd, StreamConnection } from './binance/klineStreams.ts';

export type BinanceServerOptions = {
  readonly live?: LiveReplay | readonly LiveReplay[];
  readonly host?: string;
  readonly corrupt?: readonly Corruption[];
  /** Server time = `Date.now() + clockOffsetMs` (default 0). */
  readonly clockOffsetMs?: number;
  /** A ping frame every so often (Binance: 20 s, the default). */
  readonly pingIntervalMs?: number;
  /** A connection whose ping has no pong this long is closed (Binance: 60 s, the default). */
  readonly pongTimeoutMs?: number;
  /** Each connection is closed with a close frame at this age (Binance: 24 h, the default). */
  readonly connectionLifetimeMs?: number;
  /** Closing events (`x` true) go out this much later than the close (default 0: right after it). */
  readonly closingEventDelayMs?: number;
};

export type BinanceServer = {
  /** The HTTP base URL; the WebSocket streams are at the same address (`ws://…`). */
  readonly url: string;
  readonly wsUrl: string;
  /** The kline requests. */
  readonly requests: readonly RecordedRequest[];
  /** Every WebSocket connection accepted: when, which streams, when and how it ended. */
  readonly connections: readonly StreamConnection[];
  /** The server clock. */
  serverNow(): number;
  /** Answers the next `times` kline requests with the fault (faults queue up in order). */
  fail(fault: Fault, times?: number): void;
  /** The candles served for a symbol (after the USDC→USDT mapping) and interval (in live mode: until now). */
  candles(symbol: string, interval: string): readonly Candle[];
  /** Pong frames received over all connections. */
  pongs(): number;
  /** Destroys every open WebSocket abruptly, without a close frame (a connection lost mid-candle). */
  dropConnections(): void;
  /** From now on, closing events go out `ms` later than the close. */
  delayClosingEvents(ms: number): void;
  close(): Promise<void>;
};

/** Binance's WebSocket rules (`web-socket-streams.md`). */
const PING_INTERVAL_MS = 20_000;
const PONG_TIMEOUT_MS = 60_000;
const CONNECTION_LIFETIME_MS = 24 * 60 * 60_000;

/** Room for a request line naming more than 1024 streams, so that the limit, not Node, refuses it. */
const MAX_HEADER_BYTES = 256 * 1024;

export const startBinanceServer = async (options: BinanceServerOptions = {}): Promise<BinanceServer> => {
  const host = options.host ?? '127.0.0.1';
  const clockOffsetMs = options.clockOffsetMs ?? 0;
  const serverNow = () => Date.now() + clockOffsetMs;
  const lives = options.live === undefined ? [] : [options.live].flat();
  const market = openMarket(lives, options.corrupt ?? []);
  const rest = restApi(market, serverNow);
  const streams = klineStreams(market, lives, serverNow, {
    pingIntervalMs: options.pingIntervalMs ?? PING_INTERVAL_MS,
    pongTimeoutMs: options.pongTimeoutMs ?? PONG_TIMEOUT_MS,
    connectionLifetimeMs: options.connectionLifetimeMs ?? CONNECTION_LIFETIME_MS,
    closingEventDelayMs: options.closingEventDelayMs ?? 0,
  });

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    rest.handle(req, res).catch((e: unknown) => {
      res.sendDate = false;
      if (!res.headersSent) res.writeHead(500, { date: new Date(serverNow()).toUTCString() }).end(String(e));
    });
  });
  server.on('upgrade', streams.upgrade);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}`,
    requests: rest.requests,
    connections: streams.connections,
    serverNow,
    fail: (fault, times = 1) => rest.fail(fault, times),
    candles: (symbol, interval) =>
      (market.series(symbol, interval, serverNow()) ?? []).filter(
        (c) => market.corruptionOf(symbol, interval, c.openTime) === undefined,
      ),
    pongs: streams.pongs,
    dropConnections: streams.dropConnections,
    delayClosingEvents: streams.delayClosingEvents,
    close: () =>
      new Promise<void>((resolve) => {
        streams.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
