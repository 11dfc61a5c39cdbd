import type { Interval } from '../kline/interval.ts';

/** Binance serves at most 1024 streams on one connection (`web-socket-streams.md`). */
export const MAX_STREAMS_PER_CONNECTION = 1024;

/** A connection is cut after 24 h; the producer replaces it a little before, so no candle is missed. */
export const CONNECTION_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const RENEW_BEFORE_CUT_MS = 10 * 60 * 1000;

/** The kline stream of a market: `<symbol lower case>@kline_<interval>`. */
export const klineStream = (symbol: string, interval: Interval): string =>
  `${symbol.toLowerCase()}@kline_${interval}`;

/** Binance's REST hosts and the WebSocket base of the same service. */
const knownStreamBases: Readonly<Record<string, string>> = {
  'data-api.binance.vision': 'wss://data-stream.binance.vision',
  'api.binance.com': 'wss://stream.binance.com:9443',
  'api-gcp.binance.com': 'wss://stream.binance.com:9443',
  'api1.binance.com': 'wss://stream.binance.com:9443',
  'api2.binance.com': 'wss://stream.binance.com:9443',
  'api3.binance.com': 'wss://stream.binance.com:9443',
  'api4.binance.com': 'wss://stream.binance.com:9443',
  'testnet.binance.vision': 'wss://stream.testnet.binance.vision',
  'api.binance.us': 'wss://stream.binance.us:9443',
};

/**
 * The WebSocket base URL of a REST base URL: Binance's own pairs, else the same host and port with the
 * ws/wss scheme (a Binance-compatible server that serves both, as the test server does).
 */
export const streamBaseOf = (restUrl: string): string => {
  const url = new URL(restUrl);
  const known = knownStreamBases[url.host];
  if (known !== undefined) return known;
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
};

/**
 * The combined-stream URLs (`/stream?streams=a/b/…`) that carry the streams: as few connections as
 * Binance allows (at most 1024 streams each).
 */
export const combinedStreamUrls = (
  base: string,
  streams: readonly string[],
  perConnection: number = MAX_STREAMS_PER_CONNECTION,
): string[] => {
  const urls: string[] = [];
  for (let i = 0; i < streams.length; i += perConnection)
    urls.push(`${base.replace(/\/+$/, '')}/stream?streams=${streams.slice(i, i + perConnection).join('/')}`);
  return urls;
};
