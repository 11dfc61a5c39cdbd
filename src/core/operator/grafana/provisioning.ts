import { stringify } from 'yaml';
import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor } from '../child.ts';
import type { Child } from '../child.ts';
import { alertRules } from './alerts.ts';
import { notificationProvisioning } from './notifications.ts';
import { dashboards } from './dashboards.ts';
import { DATASOURCE_UID } from './flux.ts';
import { BUCKET_ENRICHED, INFLUX_PORT, names } from '../names.ts';
const DASHBOARD_DIR = '/var/lib/grafana-dashboards';

/** InfluxDB 2 with Flux; `$INFLUX_ORG` and `$INFLUX_TOKEN` are expanded by Grafana from its environment. */
export const datasources = (cr: CryptoStream) => ({
  apiVersion: 1,
  datasources: [
    {
      name: 'InfluxDB',
      uid: DATASOURCE_UID,
      type: 'influxdb',
      access: 'proxy',
      url: `http://${names(cr).influxdb}:${INFLUX_PORT}`,
      isDefault: true,
      jsonData: {
        version: 'Flux',
        organization: '$INFLUX_ORG',
        defaultBucket: BUCKET_ENRICHED,
        tlsSkipVerify: false,
      },
      secureJsonData: { token: '$INFLUX_TOKEN' },
    },
  ],
});

const dashboardProviders = {
  apiVersion: 1,
  providers: [
    {
      name: 'cryptostream',
      folder: 'CryptoStream',
      type: 'file',
      disableDeletion: true,
      allowUiUpdates: false,
      options: { path: DASHBOARD_DIR },
    },
  ],
};

/** Datasource, dashboard provider and alerting (rules, and the contact point and policy of spec.grafana.notifications), one file each. */
export const grafanaProvisioning = (cr: CryptoStream): Child =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaFor(cr, names(cr).grafanaProvisioning, 'grafana'),
    data: {
      'datasources.yaml': stringify(datasources(cr)),
      'dashboards.yaml': stringify(dashboardProviders),
      'alerting.yaml': stringify(
        { ...alertRules(cr), ...notificationProvisioning(cr) },
        { aliasDuplicateObjects: false },
      ),
    },
  }) as Child;

/** The dashboards as JSON files, one ConfigMap key each. */
export const grafanaDashboards = (cr: CryptoStream): Child =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaFor(cr, names(cr).grafanaDashboards, 'grafana'),
    data: Object.fromEntries(dashboards(cr).map((d) => [`${d.uid}.json`, `${JSON.stringify(d, null, 2)}\n`])),
  }) as Child;
