import { defaulted } from '../../../api/v1alpha1/defaults.ts';
import { dashboards } from './dashboards.ts';

/**
 * The dashboards the operator provisions, for a stream given as a parsed manifest (namespace `default`
 * unless it names one). `grafana/dashboards/` holds them for the example stream, to import into a
 * Grafana the operator does not run (it needs an InfluxDB Flux datasource with uid `influxdb`).
 */
export const dashboardFiles = (manifest: unknown): Record<string, string> => {
  const m = manifest as { metadata?: { namespace?: string } };
  const cr = defaulted({ ...m, metadata: { namespace: 'default', ...m.metadata } });
  return Object.fromEntries(dashboards(cr).map((d) => [`${d.uid}.json`, `${JSON.stringify(d, null, 2)}\n`]));
};
