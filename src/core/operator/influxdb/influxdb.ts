import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { CryptoStream, PodTemplate } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor, selectorLabels } from '../child.ts';
import type { Child } from '../child.ts';
import { SECRET_KEYS } from './credentials.ts';
import { secretEnv } from '../env.ts';
import { BUCKET_ENRICHED, BUCKET_RAW, INFLUX_PORT, names } from '../names.ts';
import { podPlacement } from '../podTemplate.ts';
import { httpService } from '../service.ts';
import { httpProbes, restrictedContainer, restrictedPod } from '../security.ts';

/** The `influxdb` user of the official image. */
const INFLUX_UID = 1000;
/** The container's memory limit, written as the API server writes it back (so the plan sees no change). */
const MEMORY_LIMIT = '1Gi';
const MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;
/**
 * influxd's write cache (storage-cache-max-memory-size) defaults to 1 GiB, the whole container limit: a write
 * burst would get the pod OOM-killed before influxd refuses writes. A quarter of the limit leaves room for the
 * index, queries and the Go runtime.
 */
const CACHE_MAX_BYTES = MEMORY_LIMIT_BYTES / 4;

const retention = (cr: CryptoStream): string =>
  cr.spec.influxdb.retentionDays === 0 ? '0' : `${cr.spec.influxdb.retentionDays}d`;

/**
 * Runs once, at the first start of an empty volume, after the image's own setup created the org, the admin
 * token and the raw bucket (`/docker-entrypoint-initdb.d`): creates the enriched bucket too.
 */
export const influxdbInit = (cr: CryptoStream): Child =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metaFor(cr, names(cr).influxdbInit, 'influxdb'),
    data: {
      'create-buckets.sh': [
        '#!/bin/sh',
        'set -e',
        `influx bucket create --name ${BUCKET_ENRICHED} --org "$DOCKER_INFLUXDB_INIT_ORG" --retention "${retention(cr)}"`,
        '',
      ].join('\n'),
    },
  }) as Child;

/**
 * InfluxDB 2 as a one-replica StatefulSet with its volume from a claim template (of `influxdb.storageClassName`
 * when set). `template`: the stream's pod template (ownPodTemplate).
 */
export const influxdbStatefulSet = (
  cr: CryptoStream,
  defaultImage: string,
  template: PodTemplate,
): Child & V1StatefulSet => {
  const n = names(cr);
  const labels = selectorLabels(cr, 'influxdb');
  const emptyDir = (name: string) => ({ name, emptyDir: {} });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metaFor(cr, n.influxdb, 'influxdb'),
    spec: {
      // The governing Service must be headless: it gives the pods their DNS names (immutable: see plan.ts).
      serviceName: n.influxdbHeadless,
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: metaFor(cr, n.influxdb, 'influxdb').labels! },
        spec: {
          serviceAccountName: n.influxdb,
          automountServiceAccountToken: false,
          securityContext: restrictedPod(INFLUX_UID),
          containers: [
            {
              name: 'influxdb',
              image: cr.spec.influxdb.image ?? defaultImage,
              ports: [{ name: 'http', containerPort: INFLUX_PORT, protocol: 'TCP' }],
              env: [
                { name: 'DOCKER_INFLUXDB_INIT_MODE', value: 'setup' },
                secretEnv('DOCKER_INFLUXDB_INIT_USERNAME', n.credentials, SECRET_KEYS.influxUser),
                secretEnv('DOCKER_INFLUXDB_INIT_PASSWORD', n.credentials, SECRET_KEYS.influxPassword),
                secretEnv('DOCKER_INFLUXDB_INIT_ADMIN_TOKEN', n.credentials, SECRET_KEYS.influxToken),
                { name: 'DOCKER_INFLUXDB_INIT_ORG', value: cr.spec.influxdb.org },
                { name: 'DOCKER_INFLUXDB_INIT_BUCKET', value: BUCKET_RAW },
                ...(cr.spec.influxdb.retentionDays === 0
                  ? []
                  : [{ name: 'DOCKER_INFLUXDB_INIT_RETENTION', value: retention(cr) }]),
                { name: 'INFLUXD_REPORTING_DISABLED', value: 'true' },
                { name: 'INFLUXD_STORAGE_CACHE_MAX_MEMORY_SIZE', value: String(CACHE_MAX_BYTES) },
                { name: 'HOME', value: '/tmp' },
              ],
              ...httpProbes('http', '/health', '/health'),
              // The first start (setup, the init script) and the start over a large volume (loading the index)
              // take longer than liveness allows: liveness begins once /health has answered, within 5 minutes.
              startupProbe: {
                httpGet: { path: '/health', port: 'http' },
                periodSeconds: 5,
                failureThreshold: 60,
              },
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { cpu: '1', memory: MEMORY_LIMIT },
              },
              securityContext: restrictedContainer,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/influxdb2' },
                { name: 'config', mountPath: '/etc/influxdb2' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
              ],
            },
          ],
          volumes: [
            emptyDir('config'),
            emptyDir('tmp'),
            { name: 'init', configMap: { name: n.influxdbInit, defaultMode: 0o555 } },
          ],
          ...podPlacement(template),
        },
      },
      // The volume goes with the stream unless it is kept on purpose, together with the credentials that open it
      // (credentials.ts): a kept volume with new credentials would lock a re-created stream out of its database.
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: cr.spec.influxdb.retainOnDelete ? 'Retain' : 'Delete',
        whenScaled: 'Retain',
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(cr.spec.influxdb.storageClassName === undefined
              ? {}
              : { storageClassName: cr.spec.influxdb.storageClassName }),
            resources: { requests: { storage: cr.spec.influxdb.storage } },
          },
        },
      ],
    },
  };
};

/**
 * The StatefulSet's governing Service: headless (`clusterIP: None`), so the pod gets its stable DNS name
 * `<name>-influxdb-0.<name>-influxdb-headless`. Clients use the other Service, influxdbService.
 */
export const influxdbHeadlessService = (cr: CryptoStream): Child & V1Service =>
  httpService(cr, names(cr).influxdbHeadless, 'influxdb', INFLUX_PORT, { headless: true });

/** The Service consumers and Grafana use; a NodePort when `influxdb.nodePort` is set. */
export const influxdbService = (cr: CryptoStream): Child & V1Service =>
  httpService(cr, names(cr).influxdb, 'influxdb', INFLUX_PORT, { nodePort: cr.spec.influxdb.nodePort });
