/**
 * An HTTP proxy in front of the shared InfluxDB that a test can switch off: while down it drops every
 * connection (as a stopped server would), so the consumer sees InfluxDB unavailable without the shared
 * server being stopped under other tests. With a delay it holds every answer that long (a slow InfluxDB).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

export type InfluxProxy = {
  readonly url: string;
  /** Requests refused while down. */
  readonly refused: () => number;
  setDown(down: boolean): void;
  /** Answers every write request with this status instead of forwarding it (undefined: forward). */
  setWriteStatus(status: number | undefined): void;
  /** Holds every answer `ms` before sending it (0: none). */
  setDelay(ms: number): void;
  /** Requests answered (forwarded), with the ones still held. */
  readonly forwarded: () => number;
  close(): Promise<void>;
};

export const startInfluxProxy = async (target: string): Promise<InfluxProxy> => {
  let down = false;
  let refused = 0;
  let delayMs = 0;
  let forwarded = 0;
  let writeStatus: number | undefined;
  const forward = async (req: IncomingMessage) => {
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await text(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    return fetch(new URL(req.url ?? '/', target), {
      method: req.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body }),
    });
  };
  const server = createServer((req, res) => {
    if (down) {
      refused += 1;
      req.socket.destroy();
      return;
    }
    if (writeStatus !== undefined && (req.url ?? '').startsWith('/api/v2/write')) {
      req.resume();
      res
        .writeHead(writeStatus, { 'content-type': 'application/json' })
        .end('{"message":"refused by the test proxy"}');
      return;
    }
    forwarded += 1;
    const held = delayMs;
    forward(req)
      .then(async (response) => {
        if (held > 0) await new Promise((r) => setTimeout(r, held));
        const headers: Record<string, string> = {};
        response.headers.forEach((v, k) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k))
            headers[k] = v;
        });
        res.writeHead(response.status, headers).end(Buffer.from(await response.arrayBuffer()));
      })
      .catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused: () => refused,
    forwarded: () => forwarded,
    setDelay: (ms) => (delayMs = ms),
    setWriteStatus: (status) => (writeStatus = status),
    setDown: (d) => {
      down = d;
      if (d) server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
