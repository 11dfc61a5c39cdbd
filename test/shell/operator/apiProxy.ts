import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ApiProxy = {
  /** A copy of the kubeconfig whose server is this proxy. */
  readonly kubeconfig: string;
  /** From now on nothing passes either way, and nothing is refused: requests hang, as behind a dead network. */
  readonly cut: () => void;
  readonly close: () => Promise<void>;
};

/** A TCP proxy (TLS passes through) in front of the test API server, whose network a test can cut. */
export const startApiProxy = async (kubeconfig: string, apiUrl: string): Promise<ApiProxy> => {
  const target = new URL(apiUrl);
  let cut = false;
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client)).on('error', () => undefined);
    if (cut) return;
    const upstream = connect(Number(target.port), target.hostname);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream)).on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const copy = join(mkdtempSync(join(tmpdir(), 'api-proxy-')), 'kubeconfig');
  writeFileSync(copy, readFileSync(kubeconfig, 'utf8').replace(target.origin, `https://127.0.0.1:${port}`));
  return {
    kubeconfig: copy,
    cut: () => {
      cut = true;
      for (const client of clients) client.unpipe();
      for (const upstream of upstreams) upstream.unpipe().destroy();
    },
    close: async () => {
      for (const socket of [...clients, ...upstreams]) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
