/**
 * Binance's WebSocket market streams, kline streams only, on the HTTP server's port
 * (`web-socket-streams.md`): raw streams at `/ws/<stream>` (bare events), combined streams at
 * `/stream?streams=<a>/<b>` (events wrapped as `{"stream":…,"data":…}`), and on either `/ws` or `/stream`
 * the `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS` messages. Connection rules as Binance's: at most 1024
 * streams (more, or an unknown stream, is refused at the upgrade with HTTP 400); a ping frame every 20 s and
 * a disconnect when no pong echoes it within a minute (unsolicited pongs keep nothing alive); a client
 * sending more than 5 messages in a second (pings, pongs and JSON messages alike) is disconnected; every
 * connection is closed with a close frame at 24 h. Times are the server clock's.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { corrupted, partialCandle, type LiveReplay, type Market } from './market.ts';
import { klineEvent, parseStream, startFeed, type Feed, type KlineStream } from './klineFeed.ts';
import { httpDate } from './rest.ts';

export const MAX_STREAMS = 1024;
const MAX_MESSAGES_PER_SECOND = 5;

export type StreamOptions = {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly connectionLifetimeMs: number;
  readonly closingEventDelayMs: number;
};

/** How a connection ended: who ended it, and the close code (1006: the socket ended without a close frame). */
export type ConnectionEnd = {
  readonly at: number;
  readonly by: 'client' | 'lifetime' | 'pong-timeout' | 'message-rate' | 'dropped' | 'shutdown';
  readonly code: number;
};

/** A WebSocket connection as the server saw it (times by the server clock). */
export type StreamConnection = {
  readonly openedAt: number;
  readonly path: string;
  /** The streams subscribed (now, or when it ended). */
  readonly streams: readonly string[];
  /** Pong frames received on it. */
  readonly pongs: number;
  readonly end: ConnectionEnd | undefined;
};

type Session = {
  readonly socket: WebSocket;
  readonly combined: boolean;
  readonly subscriptions: Map<string, KlineStream>;
  readonly record: { -readonly [K in keyof StreamConnection]: StreamConnection[K] };
  readonly timers: Set<NodeJS.Timeout>;
  readonly unansweredPings: string[];
  readonly messageTimes: number[];
};

/** A socket closed without a close frame has no code of its own (RFC 6455 §7.1.5). */
const NO_CLOSE_FRAME = 1006;
const NORMAL_CLOSURE = 1000;
const POLICY_VIOLATION = 1008;

export type KlineStreams = {
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly connections: readonly StreamConnection[];
  readonly pongs: () => number;
  readonly dropConnections: () => void;
  readonly delayClosingEvents: (ms: number) => void;
  readonly close: () => void;
};

/** The streams a request path names (`undefined`: not a stream endpoint). */
const requestedStreams = (url: URL): { combined: boolean; names: string[] } | undefined => {
  if (url.pathname === '/stream') {
    const streams = url.searchParams.get('streams') ?? '';
    return { combined: true, names: streams === '' ? [] : streams.split('/') };
  }
  if (url.pathname === '/ws') return { combined: false, names: [] };
  if (url.pathname.startsWith('/ws/'))
    return { combined: false, names: [decodeURIComponent(url.pathname.slice('/ws/'.length))] };
  return undefined;
};

type ControlRequest = { readonly method?: unknown; readonly params?: unknown; readonly id?: unknown };

/** A JSON control message (`{"method":…,"params":[…],"id":…}`), if the text is a JSON object. */
const controlRequest = (text: string): ControlRequest | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

export const klineStreams = (
  market: Market,
  lives: readonly LiveReplay[],
  serverNow: () => number,
  options: StreamOptions,
): KlineStreams => {
  const server = new WebSocketServer({ noServer: true, clientTracking: false });
  const sessions = new Set<Session>();
  /** Every socket until it has closed, ended sessions in their closing handshake too. */
  const sockets = new Set<WebSocket>();
  const connections: StreamConnection[] = [];
  let pongs = 0;
  let closingDelay = options.closingEventDelayMs;

  const streamOf = (name: string): KlineStream | undefined => {
    const stream = parseStream(name);
    return stream !== undefined && market.lists(stream.symbol) ? stream : undefined;
  };

  const refuse = (socket: Duplex, status: number, msg: string) => {
    const body = JSON.stringify({ code: -1, msg });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nDate: ${httpDate(serverNow())}\r\n` +
        `Content-Type: application/json;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };

  const after = (session: Session, ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      session.timers.delete(timer);
      action();
    }, ms);
    session.timers.add(timer);
  };

  /** Ends a connection: with a close frame of `code`, or (`code` 1006) by destroying the socket. */
  const end = (session: Session, by: ConnectionEnd['by'], code: number, reason = '') => {
    if (session.record.end !== undefined) return;
    session.record.end = { at: serverNow(), by, code };
    forget(session);
    if (code === NO_CLOSE_FRAME) session.socket.terminate();
    else session.socket.close(code, reason);
  };

  const forget = (session: Session) => {
    sessions.delete(session);
    for (const timer of session.timers) clearTimeout(timer);
    session.timers.clear();
  };

  const send = (session: Session, name: string, event: object) => {
    if (session.socket.readyState !== WebSocket.OPEN) return;
    session.socket.send(JSON.stringify(session.combined ? { stream: name, data: event } : event));
  };

  /** Sends an event of the `index`-th candle of a replay to every subscriber of its interval. */
  const publish = (
    live: LiveReplay,
    index: number,
    closed: boolean,
    candleOf: (final: Candle, stream: KlineStream) => Candle,
  ) => {
    for (const session of sessions)
      for (const [name, stream] of session.subscriptions) {
        if (stream.interval !== live.interval) continue;
        const final = market.replayed(stream.symbol, live, index);
        if (final === undefined) continue;
        const firstTradeId = market.firstTradeId(stream.symbol, live, index);
        send(session, name, klineEvent(stream, candleOf(final, stream), firstTradeId, closed, serverNow()));
      }
  };
  /** The closing event carries the final values, a corrupt row corrupted as REST serves it. */
  const closingCandle = (final: Candle, stream: KlineStream): Candle => {
    const bad = market.corruptionOf(stream.symbol, stream.interval, final.openTime);
    return bad === undefined ? final : corrupted(final, bad.kind);
  };

  const feeds: Feed[] = lives.map((live) =>
    startFeed(live, {
      serverNow,
      closingDelay: () => closingDelay,
      update: (l, index, elapsed) => publish(l, index, false, (final) => partialCandle(final, elapsed)),
      closing: (l, index) => publish(l, index, true, closingCandle),
    }),
  );

  /** Binance counts every incoming message (pings, pongs, JSON) against 5 per second per connection. */
  const countMessage = (session: Session) => {
    const now = serverNow();
    session.messageTimes.push(now);
    while (session.messageTimes[0]! <= now - 1000) session.messageTimes.shift();
    if (session.messageTimes.length > MAX_MESSAGES_PER_SECOND)
      end(session, 'message-rate', POLICY_VIOLATION, 'Too many messages');
  };

  const ping = (session: Session) => {
    const payload = String(serverNow());
    session.unansweredPings.push(payload);
    session.socket.ping(payload);
    after(session, options.pongTimeoutMs, () => {
      if (session.unansweredPings.includes(payload))
        end(session, 'pong-timeout', POLICY_VIOLATION, 'Pong timeout');
    });
    after(session, options.pingIntervalMs, () => ping(session));
  };

  /** A pong echoing a ping answers it and every earlier one; an unsolicited pong answers nothing. */
  const pong = (session: Session, payload: RawData) => {
    pongs += 1;
    session.record.pongs += 1;
    const answered = session.unansweredPings.indexOf(payload.toString());
    if (answered >= 0) session.unansweredPings.splice(0, answered + 1);
  };

  const subscribe = (session: Session, names: readonly string[]) => {
    for (const name of names) session.subscriptions.set(name, streamOf(name)!);
    session.record.streams = [...session.subscriptions.keys()];
  };

  /** `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`; answers `{"result":…,"id":…}` or an error. */
  const control = (session: Session, text: string) => {
    const reply = (answer: object) => session.socket.send(JSON.stringify(answer));
    const request = controlRequest(text);
    if (request === undefined) return reply({ error: { code: 3, msg: 'Invalid JSON: expected an object' } });
    const id = request.id ?? null;
    const names = Array.isArray(request.params) ? request.params.map(String) : [];
    const invalid = (msg: string) => reply({ error: { code: 2, msg: `Invalid request: ${msg}` }, id });
    if (request.method === 'LIST_SUBSCRIPTIONS')
      return reply({ result: [...session.subscriptions.keys()], id });
    if (request.method === 'UNSUBSCRIBE') {
      for (const name of names) session.subscriptions.delete(name);
      session.record.streams = [...session.subscriptions.keys()];
      return reply({ result: null, id });
    }
    if (request.method !== 'SUBSCRIBE') return invalid('unknown method');
    const unknown = names.find((n) => streamOf(n) === undefined);
    if (unknown !== undefined) return invalid(`unknown stream ${unknown}`);
    if (new Set([...session.subscriptions.keys(), ...names]).size > MAX_STREAMS)
      return invalid(`at most ${MAX_STREAMS} streams per connection`);
    subscribe(session, names);
    return reply({ result: null, id });
  };

  const open = (socket: WebSocket, path: string, combined: boolean, names: readonly string[]) => {
    const record: Session['record'] = { openedAt: serverNow(), path, streams: [], pongs: 0, end: undefined };
    const session: Session = {
      socket,
      combined,
      subscriptions: new Map(),
      record,
      timers: new Set(),
      unansweredPings: [],
      messageTimes: [],
    };
    connections.push(record);
    sessions.add(session);
    sockets.add(socket);
    subscribe(session, names);
    socket.on('ping', () => countMessage(session));
    socket.on('pong', (payload) => {
      pong(session, payload);
      countMessage(session);
    });
    socket.on('message', (data) => {
      countMessage(session);
      if (session.record.end === undefined) control(session, data.toString());
    });
    socket.on('error', () => undefined); // a broken socket ends in 'close' too
    socket.on('close', (code) => {
      if (session.record.end === undefined) session.record.end = { at: serverNow(), by: 'client', code };
      forget(session);
      sockets.delete(socket);
    });
    after(session, options.pingIntervalMs, () => ping(session));
    after(session, options.connectionLifetimeMs, () => end(session, 'lifetime', NORMAL_CLOSURE));
  };

  return {
    upgrade: (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const requested = requestedStreams(url);
      if (requested === undefined) return refuse(socket, 404, 'Not found');
      if (requested.names.length > MAX_STREAMS)
        return refuse(socket, 400, `Too many streams: at most ${MAX_STREAMS} per connection`);
      const unknown = requested.names.find((n) => streamOf(n) === undefined);
      if (unknown !== undefined) return refuse(socket, 400, `Invalid stream name: ${unknown}`);
      server.handleUpgrade(req, socket, head, (ws) =>
        open(ws, url.pathname, requested.combined, requested.names),
      );
    },
    connections,
    pongs: () => pongs,
    dropConnections: () => {
      for (const session of [...sessions]) end(session, 'dropped', NO_CLOSE_FRAME);
    },
    delayClosingEvents: (ms) => {
      closingDelay = ms;
      for (const feed of feeds) feed.wake();
    },
    close: () => {
      for (const feed of feeds) feed.stop();
      for (const session of [...sessions]) end(session, 'shutdown', NO_CLOSE_FRAME);
      for (const socket of sockets) socket.terminate();
      server.close();
    },
  };
};
