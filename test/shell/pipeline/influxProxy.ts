/**
 * An HTTP proxy in front of the shared InfluxDB that a test can switch off: while down it drops every
 * connection (as a stopped server would), so the consumer sees InfluxDB unavailable without the shared
 * server being stopped under other tests.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

export type InfluxProxy = {
  readonly url: string;
  /** Requests refused while down. */
  readonly refused: () => number;
  setDown(down: boolean): void;
  close(): Promise<void>;
};

export const startInfluxProxy = async (target: string): Promise<InfluxProxy> => {
  let down = false;
  let refused = 0;
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
    forward(req)
      .then(async (response) => {
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
