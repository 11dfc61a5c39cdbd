import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import {
  startBinanceServer,
  type BinanceServer,
  type BinanceServerOptions,
  type LiveReplay,
} from './binanceServer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Kline = {
  t: number;
  T: number;
  s: string;
  i: string;
  f: number;
  L: number;
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
  x: boolean;
  q: string;
  V: string;
  Q: string;
  B: string;
};
type KlineEvent = { e: string; E: number; s: string; k: Kline };
type Envelope = { stream: string; data: KlineEvent };

/** A `ws` client that keeps every message and its ping frames, and tells how it closed. */
const connect = async (url: string, options: ClientOptions = {}) => {
  const socket = new WebSocket(url, options);
  const messages: unknown[] = [];
  let pings = 0;
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  socket.on('ping', () => (pings += 1));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, messages, closed, pings: () => pings };
};

/** The HTTP status of a refused upgrade. */
const refusal = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });

/** 1s candles replayed from the recorded 15m week, starting a few seconds ago by the server clock. */
const live1s = (clockOffsetMs = 0): LiveReplay => ({
  interval: '1s',
  source: '15m',
  epoch: Math.floor((Date.now() + clockOffsetMs) / 1000) * 1000 - 5000,
});

const restRow = async (server: BinanceServer, symbol: string, interval: string, openTime: number) => {
  const res = await fetch(
    `${server.url}/api/v3/klines?symbol=${symbol}&interval=${interval}&startTime=${openTime}&limit=1`,
  );
  return ((await res.json()) as unknown[][])[0];
};

const asRestRow = (k: Kline) => [k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, '0'];

describe('the Binance test server', () => {
  let server: BinanceServer | undefined;
  const start = async (options: BinanceServerOptions) => (server = await startBinanceServer(options));
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('kline streams', () => {
    it('sends updates (x false) of each open candle, then exactly one closing event (x true) with the values REST serves', async () => {
      const live = live1s();
      const corruptAt = live.epoch + 7000;
      const binance = await start({
        live,
        corrupt: [{ symbol: 'ETHUSDC', interval: '1s', openTime: corruptAt, kind: 'non-numeric-price' }],
      });
      const client = await connect(`${binance.wsUrl}/stream?streams=btcusdc@kline_1s/ethusdc@kline_1s`);
      const connectedAt = binance.serverNow();
      await sleep(3600);
      client.socket.close();
      await client.closed;

      const events = client.messages as Envelope[];
      assert.deepEqual(
        new Set(events.map((e) => e.stream)),
        new Set(['btcusdc@kline_1s', 'ethusdc@kline_1s']),
      );
      const closings = events.filter((e) => e.data.k.x);
      assert.ok(closings.length >= 4, `${closings.length} closing events`);
      for (const closing of closings) {
        const { stream, data } = closing;
        const sameCandle = events.filter((e) => e.stream === stream && e.data.k.t === data.k.t);
        assert.equal(
          sameCandle.filter((e) => e.data.k.x).length,
          1,
          `${stream} ${data.k.t}: one closing event`,
        );
        assert.equal(sameCandle.at(-1), closing, `${stream} ${data.k.t}: nothing after the closing event`);
        assert.ok(data.E > data.k.T, 'the closing event leaves after the close');
        const updates = sameCandle.filter((e) => !e.data.k.x);
        if (data.k.t >= connectedAt) {
          assert.ok(updates.length > 0, `${stream} ${data.k.t}: updates before the close`);
          for (const u of updates) assert.ok(u.data.E <= data.k.T, 'updates while the candle is open');
          if (Number(data.k.v) > 0) assert.notEqual(updates[0]!.data.k.v, data.k.v, 'an update is partial');
        }
        const symbol = data.s;
        assert.equal(symbol, stream.split('@')[0]!.toUpperCase());
        assert.deepEqual(
          asRestRow(data.k),
          await restRow(binance, symbol, '1s', data.k.t),
          'REST serves the same',
        );
        assert.equal(data.k.n, data.k.n === 0 ? 0 : data.k.L - data.k.f + 1);
      }
      const corrupt = closings.find((e) => e.data.s === 'ETHUSDC' && e.data.k.t === corruptAt);
      assert.equal(corrupt?.data.k.c, 'NaN', 'a corrupt row is corrupt in its closing event too');
      assert.equal(binance.connections.length, 1, 'one connection for both streams');
      assert.deepEqual(binance.connections[0]!.streams, ['btcusdc@kline_1s', 'ethusdc@kline_1s']);
      assert.equal(binance.connections[0]!.end?.by, 'client');
    });

    it('serves raw streams without the envelope, several live intervals at once, and nothing for an interval not live', async () => {
      const minuteEpoch = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
      const binance = await start({
        live: [live1s(), { interval: '1m', source: '15m', epoch: minuteEpoch }],
      });
      const raw = await connect(`${binance.wsUrl}/ws/btcusdc@kline_1s`);
      const combined = await connect(`${binance.wsUrl}/stream?streams=btcusdc@kline_1m/btcusdc@kline_1h`);
      await sleep(2300);
      const rawEvents = raw.messages as KlineEvent[];
      assert.ok(rawEvents.length > 0);
      assert.ok(rawEvents.every((e) => e.e === 'kline' && e.k.i === '1s' && !('stream' in e)));
      const events = combined.messages as Envelope[];
      assert.ok(events.some((e) => e.stream === 'btcusdc@kline_1m' && e.data.k.i === '1m' && !e.data.k.x));
      assert.ok(
        events.every((e) => e.stream !== 'btcusdc@kline_1h'),
        'no events of an interval not live',
      );
      const minutes = binance.candles('BTCUSDC', '1m');
      assert.ok(minutes.length >= 3, 'the closed 1m candles and the open one');
      assert.ok(minutes.at(-1)!.closeTime > binance.serverNow());
      assert.ok(binance.candles('BTCUSDC', '1s').length >= 6);
    });

    it('sends the closing events as late as asked, the next candle’s updates meanwhile', async () => {
      const binance = await start({ live: live1s() });
      binance.delayClosingEvents(1500);
      const client = await connect(`${binance.wsUrl}/ws/btcusdc@kline_1s`);
      await sleep(3600);
      const events = client.messages as KlineEvent[];
      const closings = events.filter((e) => e.k.x);
      assert.ok(closings.length > 0);
      for (const closing of closings) {
        assert.ok(
          closing.E >= closing.k.T + 1500,
          `closing event ${closing.E - closing.k.T} ms after the close`,
        );
        const next = events.findIndex((e) => e.k.t === closing.k.T + 1);
        assert.ok(next >= 0 && next < events.indexOf(closing), 'the next candle’s update came first');
      }
    });

    it('pings, counts pongs, and closes a connection whose pings go unanswered', async () => {
      const binance = await start({ live: live1s(), pingIntervalMs: 250, pongTimeoutMs: 500 });
      const answering = await connect(`${binance.wsUrl}/ws/btcusdc@kline_1s`);
      const silent = await connect(`${binance.wsUrl}/ws/ethusdc@kline_1s`, { autoPong: false });
      silent.socket.pong(); // unsolicited: answers no ping
      assert.equal(await silent.closed, 1008);
      assert.ok(silent.pings() >= 2);
      assert.equal(answering.socket.readyState, WebSocket.OPEN, 'a connection that answers stays');
      assert.ok(answering.pings() >= 2);
      const [kept, dropped] = binance.connections;
      assert.equal(dropped!.end?.by, 'pong-timeout');
      assert.equal(kept!.end, undefined);
      assert.ok(kept!.pongs >= 2 && binance.pongs() === kept!.pongs + dropped!.pongs);
    });

    it('serves Node’s built-in WebSocket (the product’s client), which answers the pings', async () => {
      const binance = await start({ live: live1s(), pingIntervalMs: 200 });
      const client = new globalThis.WebSocket(`${binance.wsUrl}/stream?streams=btcusdc@kline_1s`);
      const first = new Promise<Envelope>((resolve) =>
        client.addEventListener('message', (e) => resolve(JSON.parse(String(e.data)) as Envelope), {
          once: true,
        }),
      );
      assert.equal((await first).data.s, 'BTCUSDC');
      await sleep(500);
      client.close();
      assert.ok(binance.pongs() >= 1, `${binance.pongs()} pongs`);
    });

    it('cuts each connection at its lifetime with a close frame', async () => {
      const binance = await start({ connectionLifetimeMs: 400 });
      const client = await connect(`${binance.wsUrl}/ws/btcusdc@kline_1m`);
      assert.equal(await client.closed, 1000);
      assert.equal(binance.connections[0]!.end?.by, 'lifetime');
    });

    it('drops every connection without a close frame on dropConnections()', async () => {
      const binance = await start({ live: live1s() });
      const clients = await Promise.all([
        connect(`${binance.wsUrl}/ws/btcusdc@kline_1s`),
        connect(`${binance.wsUrl}/stream?streams=ethusdc@kline_1s`),
      ]);
      binance.dropConnections();
      assert.deepEqual(await Promise.all(clients.map((c) => c.closed)), [1006, 1006]);
      assert.deepEqual(
        binance.connections.map((c) => [c.end?.by, c.end?.code]),
        [
          ['dropped', 1006],
          ['dropped', 1006],
        ],
      );
    });

    it('refuses more than 1024 streams and unknown stream names with HTTP 400', async () => {
      const binance = await start({});
      const names = Array.from({ length: 1025 }, (_, i) => `sym${i}usdt@kline_1m`);
      const tooMany = await refusal(`${binance.wsUrl}/stream?streams=${names.join('/')}`);
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body, /1024/);
      assert.equal((await refusal(`${binance.wsUrl}/ws/BTCUSDC@kline_1m`)).status, 400);
      assert.equal((await refusal(`${binance.wsUrl}/ws/btcusdc@kline_7m`)).status, 400);
      assert.equal((await refusal(`${binance.wsUrl}/ws/nosuchusdt@kline_1m`)).status, 400);
      assert.equal(binance.connections.length, 0);
    });

    it('answers SUBSCRIBE and disconnects a client sending more than 5 messages a second', async () => {
      const binance = await start({});
      const client = await connect(`${binance.wsUrl}/ws`);
      client.socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdc@kline_1m'], id: 1 }));
      await sleep(100);
      assert.deepEqual(client.messages, [{ result: null, id: 1 }]);
      assert.deepEqual(binance.connections[0]!.streams, ['btcusdc@kline_1m']);
      for (let id = 2; id <= 7; id++)
        client.socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
      assert.equal(await client.closed, 1008);
      assert.equal(binance.connections[0]!.end?.by, 'message-rate');
    });
  });

  describe('server clock', () => {
    it('answers /api/v3/time and dates every answer by the server clock (host 5 s ahead)', async () => {
      const binance = await start({ clockOffsetMs: -5000, live: live1s(-5000) });
      const res = await fetch(`${binance.url}/api/v3/time`);
      const { serverTime } = (await res.json()) as { serverTime: number };
      assert.ok(
        Math.abs(serverTime - (Date.now() - 5000)) < 1000,
        `server time ${serverTime - Date.now()} ms off`,
      );
      assert.ok(Math.abs(Date.parse(res.headers.get('date')!) - serverTime) < 2000, 'Date header');
      assert.equal(res.headers.get('x-mbx-used-weight-1m'), '1', 'weight 1');

      const klines = await fetch(`${binance.url}/api/v3/klines?symbol=BTCUSDC&interval=1s&limit=1000`);
      const rows = (await klines.json()) as [number, ...unknown[]][];
      assert.ok(
        Math.abs(Date.parse(klines.headers.get('date')!) - binance.serverNow()) < 2000,
        'Date header',
      );
      const open = rows.at(-1)!;
      assert.ok(
        open[0] <= binance.serverNow() && (open[6] as number) >= serverTime,
        'open by the server clock',
      );

      const client = await connect(`${binance.wsUrl}/ws/btcusdc@kline_1s`);
      await sleep(1200);
      client.socket.terminate();
      for (const event of client.messages as KlineEvent[])
        assert.ok(Math.abs(event.E - (Date.now() - 5000)) < 2000, 'event times by the server clock');
    });

    it('keeps serving recorded klines, with faults dated by the server clock', async () => {
      const binance = await start({ clockOffsetMs: -5000 });
      binance.fail({ kind: 'ban', retryAfterSeconds: 120 });
      const banned = await fetch(`${binance.url}/api/v3/klines?symbol=BTCUSDT&interval=15m&limit=2`);
      assert.equal(banned.status, 418);
      const until = Number(/banned until (\d+)/.exec(await banned.text())![1]);
      assert.ok(Math.abs(until - (binance.serverNow() + 120_000)) < 1000, 'ban end by the server clock');
      const ok = await fetch(`${binance.url}/api/v3/klines?symbol=BTCUSDT&interval=15m&limit=2`);
      assert.equal(((await ok.json()) as unknown[]).length, 2);
      assert.deepEqual(
        binance.requests.map((r) => r.status),
        [418, 200],
      );
    });
  });
});
