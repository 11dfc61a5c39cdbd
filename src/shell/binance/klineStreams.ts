import { backoffDelay } from '../../core/binance/budget.ts';
import { CONNECTION_LIFETIME_MS, RENEW_BEFORE_CUT_MS } from '../../core/binance/streams.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';

export type StreamOptions = {
  /** Called with the text of every message of every connection. */
  readonly onMessage: (text: string) => void;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Replace each connection this long after it opened (Binance cuts at 24 h; we renew 10 min before). */
  readonly renewAfterMs?: number;
  /** A connection that brings no message for this long is taken for dead and replaced. */
  readonly silenceMs?: number;
};

export type KlineStreams = {
  /** Replaces every connection now (Binance announced a shutdown). */
  readonly renew: () => void;
  readonly connected: () => boolean;
};

/** Binance pushes an update of every open candle at least every 2 s; a minute of silence is a dead link. */
const DEFAULT_SILENCE_MS = 60_000;

/**
 * Keeps one WebSocket open per combined-stream URL, with Node's built-in client (which answers Binance's
 * pings with pongs itself). A connection is renewed before Binance's 24 h cut — the new one opens before
 * the old one closes, so no event falls between — and replaced after a failure, a close or a minute of
 * silence, with exponential backoff.
 */
export const openKlineStreams = (urls: readonly string[], options: StreamOptions): KlineStreams => {
  const m = metrics();
  const renewAfter = options.renewAfterMs ?? CONNECTION_LIFETIME_MS - RENEW_BEFORE_CUT_MS;
  const silence = options.silenceMs ?? DEFAULT_SILENCE_MS;
  const slots = urls.map((url) => slot(url, options, renewAfter, silence, m));
  return {
    renew: () => slots.forEach((s) => s.renew()),
    connected: () => slots.every((s) => s.connected()),
  };
};

const slot = (
  url: string,
  { onMessage, log, signal }: StreamOptions,
  renewAfter: number,
  silence: number,
  m: ReturnType<typeof metrics>,
) => {
  let current: WebSocket | undefined;
  /** Every socket not closed yet, the ones still connecting included: all closed when the run stops. */
  const sockets = new Set<WebSocket>();
  let attempt = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
    return t;
  };
  const retire = (ws: WebSocket, event: string) => {
    if (ws.readyState === WebSocket.CLOSED) return;
    m.streamConnections.inc({ event });
    ws.close(1000);
  };

  const connect = (): void => {
    if (signal.aborted) return;
    const ws = new WebSocket(url);
    sockets.add(ws);
    let opened = false;
    let heard = Date.now();
    const watchdog = setInterval(
      () => {
        if (Date.now() - heard < silence) return;
        log.warn({ url: redact(url), silentMs: Date.now() - heard }, 'Binance stream silent; reconnecting');
        retire(ws, 'silent');
      },
      Math.min(silence, 10_000),
    );
    ws.addEventListener('open', () => {
      if (signal.aborted) return ws.close(1000);
      opened = true;
      attempt = 0;
      heard = Date.now();
      m.streamConnections.inc({ event: 'opened' });
      m.streamUp.inc();
      const previous = current;
      current = ws;
      // The replaced connection closes only now that its successor receives.
      if (previous !== undefined) retire(previous, 'renewed');
      log.info({ url: redact(url) }, 'Binance kline streams connected');
      later(renewAfter, () => {
        if (current === ws) connect();
      });
    });
    ws.addEventListener('message', (event) => {
      heard = Date.now();
      if (typeof event.data === 'string') onMessage(event.data);
    });
    ws.addEventListener('close', (event) => {
      sockets.delete(ws);
      clearInterval(watchdog);
      if (opened) m.streamUp.dec();
      if (current !== ws && opened) return; // a renewed connection, closed on purpose
      if (current === ws) current = undefined;
      if (signal.aborted) return;
      attempt += 1;
      const delay = backoffDelay(attempt, Math.random(), { baseMs: 1000, maxMs: 60_000 });
      m.streamConnections.inc({ event: opened ? 'closed' : 'failed' });
      log.warn(
        { url: redact(url), code: event.code, reason: event.reason, attempt, retryInMs: delay },
        opened ? 'Binance stream closed; reconnecting' : 'could not connect to the Binance streams; retrying',
      );
      later(delay, connect);
    });
  };

  signal.addEventListener(
    'abort',
    () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of sockets) retire(ws, 'stopped');
    },
    { once: true },
  );
  connect();
  return {
    renew: () => connect(),
    connected: () => current?.readyState === WebSocket.OPEN,
  };
};

/** The URL without its long stream list, for logs. */
const redact = (url: string): string => {
  const u = new URL(url);
  const streams = u.searchParams.get('streams')?.split('/').length;
  return streams === undefined ? url : `${u.origin}${u.pathname} (${streams} streams)`;
};
