import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { marketDashboard } from './market.ts';
import { pipelineDashboard } from './pipeline.ts';

/**
 * The dashboards as the Grafana Foundation SDK builds them, before the operator names them for a stream.
 * The SDK is a development dependency: `npm run gen:grafana` writes these as `dashboards/<kind>.json`,
 * which the operator reads (dashboards.ts); a test keeps the files equal to the builders' output.
 */
export const dashboardTemplates = (): Record<'market' | 'pipeline', Dashboard> => ({
  market: marketDashboard(),
  pipeline: pipelineDashboard(),
});

/** A dashboard as JSON text: what Grafana reads, functions (the SDK's variant markers) left out. */
export const dashboardJson = (d: Dashboard): string => `${JSON.stringify(d, null, 2)}\n`;
