/**
 * The REST side of the Binance test server, as Binance answers it (`rest-api.md`):
 * `GET /api/v3/klines` (weight 2) and `GET /api/v3/time` (weight 1), the weight used in the current UTC
 * minute of the server clock in `x-mbx-used-weight-1m`, and a `Date` header of the server clock on
 * every answer. Scripted faults answer the next kline requests instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { corruptedRow, type Market } from './market.ts';

export type Fault =
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number }
  | { readonly kind: 'ban'; readonly retryAfterSeconds: number }
  | { readonly kind: 'server-error' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'malformed' };

/** A kline request, with its arrival time (server clock). */
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

const KLINES_WEIGHT = 2;
const TIME_WEIGHT = 1;

const num = (v: string | null): number | undefined => (v !== null && /^\d+$/.test(v) ? Number(v) : undefined);

/** The HTTP date of a server time, as a `Date` header carries it. */
export const httpDate = (serverTime: number): string => new Date(serverTime).toUTCString();

/** Request weight used per UTC minute of the server clock, as `x-mbx-used-weight-1m` reports it. */
const weightMeter = () => {
  let minute = 0;
  let used = 0;
  return (weight: number, now: number): number => {
    if (Math.floor(now / 60_000) !== minute) [minute, used] = [Math.floor(now / 60_000), 0];
    return (used += weight);
  };
};

export type RestApi = {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readonly requests: readonly RecordedRequest[];
  readonly fail: (fault: Fault, times: number) => void;
};

export const restApi = (market: Market, serverNow: () => number): RestApi => {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const useWeight = weightMeter();

  const reply = (res: ServerResponse, status: number, body: string, headers: Record<string, string>) => {
    res.sendDate = false; // Node's Date header reads the host clock: write the server clock's instead.
    res
      .writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        date: httpDate(serverNow()),
        ...headers,
      })
      .end(body);
  };

  const time = (res: ServerResponse) => {
    const now = serverNow();
    reply(res, 200, JSON.stringify({ serverTime: now }), {
      'x-mbx-used-weight-1m': String(useWeight(TIME_WEIGHT, now)),
    });
  };

  const klines = async (url: URL, res: ServerResponse) => {
    const now = serverNow();
    const weight = useWeight(KLINES_WEIGHT, now);
    const symbol = url.searchParams.get('symbol') ?? '';
    const interval = url.searchParams.get('interval') ?? '';
    const startTime = num(url.searchParams.get('startTime'));
    const endTime = num(url.searchParams.get('endTime'));
    const limit = num(url.searchParams.get('limit')) ?? 500;
    const fault = faults.shift();
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
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
      reply(res, status, body, { 'x-mbx-used-weight-1m': String(weight), ...extra });
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
    const candles = market.series(symbol, interval, now);
    if (candles === undefined) return send(400, '{"code":-1121,"msg":"Invalid symbol."}');
    const inRange = candles.filter(
      (c) =>
        (startTime === undefined || c.openTime >= startTime) &&
        (endTime === undefined || c.openTime <= endTime),
    );
    // From `startTime` on: the oldest rows; without it: the newest (up to `endTime`, if given).
    const page = startTime === undefined ? inRange.slice(-limit) : inRange.slice(0, limit);
    const body = `[${page
      .map((c) => {
        const bad = market.corruptionOf(symbol, interval, c.openTime);
        return bad === undefined ? JSON.stringify(toRestRow(c)) : corruptedRow(c, bad.kind);
      })
      .join(',')}]`;
    if (fault?.kind === 'truncated')
      return send(200, body.slice(0, Math.max(1, Math.floor(body.length / 2))));
    if (fault?.kind === 'malformed')
      return send(200, body.replace(/"0"\]/, '"0",{"oops":true}]').replace(/^\[\[/, '[["x",'));
    return send(200, body);
  };

  return {
    requests,
    fail: (fault, times) => {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    handle: async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/api/v3/klines') return klines(url, res);
      if (url.pathname === '/api/v3/time') return time(res);
      reply(res, 404, '{"code":-1,"msg":"not found"}', {});
    },
  };
};
