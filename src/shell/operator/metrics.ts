import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operator metrics (Prometheus): reconciles, their errors and duration, API writes, leadership. */
export const makeMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cryptostream_operator_' });
  const reconciles = new Counter({
    name: 'cryptostream_operator_reconciles_total',
    help: 'Reconciles of CryptoStreams, by result (success or error).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cryptostream_operator_reconcile_duration_seconds',
    help: 'Duration of one reconcile of one CryptoStream.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const writes = new Counter({
    name: 'cryptostream_operator_api_writes_total',
    help: 'Requests that change objects on the API server, by verb and kind (zero at steady state, Lease renewals aside).',
    labelNames: ['verb', 'kind'] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'cryptostream_operator_leader',
    help: '1 while this replica holds the leader Lease and reconciles, 0 on a standby.',
    registers: [registry],
  });
  return { registry, reconciles, duration, writes, leader };
};

export type Metrics = ReturnType<typeof makeMetrics>;

/**
 * Serves /metrics, /healthz (the process runs and answers) and /readyz (what `ready()` says: for the operator,
 * a standby that reached its Lease, or a leader whose caches are synced; leadership is the metric).
 */
export const serveHttp = (
  port: number,
  host: string,
  registry: Registry,
  ready: () => boolean,
): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        void registry.metrics().then((body) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(body);
        });
        return;
      }
      if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      }
      if (path === '/readyz') {
        const isReady = ready();
        res
          .writeHead(isReady ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(isReady ? 'ok\n' : 'not ready\n');
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
