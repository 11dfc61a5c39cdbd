import type { HttpAnswer } from '../../core/binance/response.ts';
import type { PageRequest } from '../../core/binance/page.ts';
import type { Interval } from '../../core/kline/interval.ts';
import { err, ok, type Result } from '../../core/result.ts';

/** Binance answers within 10 s or times out itself (`-1007 TIMEOUT`); we do not wait longer. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export const klinesUrl = (baseUrl: string, symbol: string, interval: Interval, page: PageRequest): string => {
  const url = new URL('/api/v3/klines', baseUrl);
  url.searchParams.set('symbol', symbol);
  url.searchParams.set('interval', interval);
  url.searchParams.set('startTime', String(page.startTime));
  url.searchParams.set('endTime', String(page.endTime));
  url.searchParams.set('limit', String(page.limit));
  return url.toString();
};

/**
 * A GET to Binance with a timeout covering the whole body. Any network failure (timeout, reset, refused)
 * is an error value, never a throw; the status and body are classified by the pure core.
 */
export const getJson = async (
  url: string,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<Result<HttpAnswer, string>> => {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const body = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    return ok({ status: response.status, headers, body });
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') return err(`timeout after ${timeoutMs} ms`);
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return err(`network error${e instanceof Error ? ` (${e.message}${cause})` : ''}`);
  }
};

/** `GET /api/v3/klines` of one page. */
export const getKlines = (
  baseUrl: string,
  symbol: string,
  interval: Interval,
  page: PageRequest,
  timeoutMs?: number,
): Promise<Result<HttpAnswer, string>> => getJson(klinesUrl(baseUrl, symbol, interval, page), timeoutMs);
