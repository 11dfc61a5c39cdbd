import type { Server } from 'node:http';
import { serveHttp } from '../operator/metrics.ts';
import { metrics } from './metrics.ts';

/** Serves /metrics, /healthz and /readyz of a worker on 0.0.0.0 (port 0 picks a free one). */
export const serveWorkerHttp = (port: number, ready: () => boolean): Promise<Server> =>
  serveHttp(port, '0.0.0.0', metrics().registry, ready);
