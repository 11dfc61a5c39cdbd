import { createServer, type Server } from 'node:http';
import { metrics } from './metrics.ts';

/** A probe's answer: a boolean, or a reason when it fails (an empty reason: it passes). */
export type Probe = () => boolean | string;

const answer = (probe: Probe): { ok: boolean; text: string } => {
  const r = probe();
  if (typeof r === 'boolean') return { ok: r, text: r ? 'ok' : 'failing' };
  return r === '' ? { ok: true, text: 'ok' } : { ok: false, text: r };
};

/**
 * Serves /metrics, /healthz and /readyz of a worker on 0.0.0.0 (port 0 picks a free one): /readyz is
 * 200 while `ready`, /healthz while `live` (the process works or recovers by itself; a failing /healthz
 * gets the container restarted), else 503 with the reason.
 */
export const serveWorkerHttp = (port: number, ready: Probe, live: Probe = () => true): Promise<Server> =>
  new Promise((resolve, reject) => {
    const { registry } = metrics();
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        void registry.metrics().then(
          (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
          (e: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(e)}\n`),
        );
        return;
      }
      const probe = path === '/healthz' ? live : path === '/readyz' ? ready : undefined;
      if (probe === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      const { ok, text } = answer(probe);
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(`${text}\n`);
    });
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
