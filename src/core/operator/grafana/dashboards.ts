import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { shortHash } from './flux.ts';
import market from './dashboards/market.json' with { type: 'json' };
import pipeline from './dashboards/pipeline.json' with { type: 'json' };

/*
 * The dashboards are built with the Grafana Foundation SDK at development time (dashboards/templates.ts,
 * `npm run gen:grafana`) and read here as the JSON it made: the operator's image carries neither the SDK
 * nor a builder, and Grafana gets exactly the SDK's JSON. Only the identity changes per stream (uid and
 * title); the queries find the stream's symbols and intervals in its InfluxDB (template variables).
 */

/** A Flux query of a panel, as JSON (`dashboards/fluxQuery.ts`). */
export type FluxTarget = { refId: string; datasource: { type: string; uid: string }; query: string };

/** A provisioned dashboard: the SDK's `Dashboard` as JSON, its panels' targets Flux queries. */
export type DashboardJson = Omit<Dashboard, 'panels'> & {
  uid: string;
  title: string;
  panels: (Omit<Panel, 'targets'> & { targets: FluxTarget[] })[];
};

export const DASHBOARD_KINDS = {
  market: { template: market as unknown as DashboardJson, title: 'market' },
  pipeline: { template: pipeline as unknown as DashboardJson, title: 'pipeline health' },
} as const;

export type DashboardKind = keyof typeof DASHBOARD_KINDS;

/** A dashboard of the stream: uid `cs-<hash of namespace/name>-<kind>` (Grafana uids: at most 40 characters). */
export const streamDashboard = (cr: CryptoStream, kind: DashboardKind): DashboardJson => ({
  ...DASHBOARD_KINDS[kind].template,
  uid: `cs-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}`)}-${kind}`,
  title: `CryptoStream ${cr.metadata.name}: ${DASHBOARD_KINDS[kind].title}`,
});

/** The market dashboard (candles and indicators), then the pipeline-health dashboard. */
export const dashboards = (cr: CryptoStream): DashboardJson[] =>
  (Object.keys(DASHBOARD_KINDS) as DashboardKind[]).map((kind) => streamDashboard(cr, kind));
