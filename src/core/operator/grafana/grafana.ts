import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { CryptoStream, PodTemplate } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor, selectorLabels } from '../child.ts';
import type { Child } from '../child.ts';
import { contentHash } from '../contentHash.ts';
import { SECRET_KEYS } from '../influxdb/credentials.ts';
import { secretEnv } from '../env.ts';
import { GRAFANA_PORT, names } from '../names.ts';
import { notificationEnv } from './notifications.ts';
import { podPlacement } from '../podTemplate.ts';
import { httpService } from '../service.ts';
import { httpProbes, restrictedContainer, restrictedPod } from '../security.ts';

/** The `grafana` user of the official image. */
const GRAFANA_UID = 472;

/** On Grafana's pod template: the fingerprint of its generated configuration. */
export const CONFIG_HASH_ANNOTATION = 'cryptostream.io/config-hash';

/**
 * Grafana with provisioned datasource, dashboards and alert rules; all state on emptyDirs (it is all
 * provisioned). Grafana reads its datasources and alert rules only when it starts, and files mounted with
 * subPath never see a ConfigMap's updates: the data of its generated `config` ConfigMaps (provisioning and
 * dashboards) is hashed onto the pod template, so a change (e.g. of `spec.alerts`) rolls Grafana onto it.
 * `template`: the stream's pod template (ownPodTemplate).
 */
export const grafanaDeployment = (
  cr: CryptoStream,
  defaultImage: string,
  config: readonly Child[],
  template: PodTemplate,
): Child & V1Deployment => {
  const n = names(cr);
  const admin = cr.spec.grafana.adminSecret ?? n.credentials;
  const emptyDir = (name: string) => ({ name, emptyDir: {} });
  const provisioning = (dir: string) => ({
    name: 'provisioning',
    mountPath: `/etc/grafana/provisioning/${dir}`,
    subPath: dir,
    readOnly: true,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metaFor(cr, n.grafana, 'grafana'),
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(cr, 'grafana') },
      template: {
        metadata: {
          labels: metaFor(cr, n.grafana, 'grafana').labels!,
          annotations: {
            [CONFIG_HASH_ANNOTATION]: contentHash(JSON.stringify(config.map((c) => c['data']))),
          },
        },
        spec: {
          serviceAccountName: n.grafana,
          automountServiceAccountToken: false,
          securityContext: restrictedPod(GRAFANA_UID),
          containers: [
            {
              name: 'grafana',
              image: cr.spec.grafana.image ?? defaultImage,
              ports: [{ name: 'http', containerPort: GRAFANA_PORT, protocol: 'TCP' }],
              env: [
                secretEnv('GF_SECURITY_ADMIN_USER', admin, SECRET_KEYS.grafanaUser),
                secretEnv('GF_SECURITY_ADMIN_PASSWORD', admin, SECRET_KEYS.grafanaPassword),
                secretEnv('INFLUX_TOKEN', n.credentials, SECRET_KEYS.grafanaInfluxToken), // read-only: influxdb/grafanaToken.ts
                { name: 'INFLUX_ORG', value: cr.spec.influxdb.org },
                { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
                { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
                { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
                { name: 'GF_PATHS_LOGS', value: '/var/log/grafana' },
                ...notificationEnv(cr), // spec.grafana.notifications: notifications.ts
              ],
              ...httpProbes('http', '/api/health', '/api/health'),
              resources: {
                requests: { cpu: '50m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '512Mi' },
              },
              securityContext: restrictedContainer,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/grafana' },
                { name: 'logs', mountPath: '/var/log/grafana' },
                { name: 'tmp', mountPath: '/tmp' },
                provisioning('datasources'),
                provisioning('dashboards'),
                provisioning('alerting'),
                { name: 'dashboards', mountPath: '/var/lib/grafana-dashboards', readOnly: true },
              ],
            },
          ],
          volumes: [
            emptyDir('data'),
            emptyDir('logs'),
            emptyDir('tmp'),
            {
              name: 'provisioning',
              configMap: {
                name: n.grafanaProvisioning,
                items: [
                  { key: 'datasources.yaml', path: 'datasources/datasources.yaml' },
                  { key: 'dashboards.yaml', path: 'dashboards/dashboards.yaml' },
                  { key: 'alerting.yaml', path: 'alerting/alerting.yaml' },
                ],
              },
            },
            { name: 'dashboards', configMap: { name: n.grafanaDashboards } },
          ],
          ...podPlacement(template),
        },
      },
    },
  };
};

/** The Grafana Service; a NodePort when `grafana.nodePort` is set. */
export const grafanaService = (cr: CryptoStream): Child & V1Service =>
  httpService(cr, names(cr).grafana, 'grafana', GRAFANA_PORT, { nodePort: cr.spec.grafana.nodePort });
