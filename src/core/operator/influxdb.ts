import type { V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { metaFor, selectorLabels } from './child.ts';
import type { Child } from './child.ts';
import { SECRET_KEYS } from './credentials.ts';
import { secretEnv } from './env.ts';
import { BUCKET_ENRICHED, BUCKET_RAW, INFLUX_PORT, names } from './names.ts';
import { httpProbes, restrictedContainer, restrictedPod } from './security.ts';

/** The `influxdb` user of the official image. */
const INFLUX_UID = 1000;

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

/** InfluxDB 2 as a one-replica StatefulSet with its volume from a claim template. */
export const influxdbStatefulSet = (cr: CryptoStream, defaultImage: string): Child & V1StatefulSet => {
  const n = names(cr);
  const labels = selectorLabels(cr, 'influxdb');
  const emptyDir = (name: string) => ({ name, emptyDir: {} });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metaFor(cr, n.influxdb, 'influxdb'),
    spec: {
      serviceName: n.influxdb,
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
                { name: 'HOME', value: '/tmp' },
              ],
              ...httpProbes('http', '/health', '/health'),
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
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
            resources: { requests: { storage: cr.spec.influxdb.storage } },
          },
        },
      ],
    },
  };
};

/** The Service consumers and Grafana use; a NodePort when `influxdb.nodePort` is set. */
export const influxdbService = (cr: CryptoStream): Child & V1Service => {
  const nodePort = cr.spec.influxdb.nodePort;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(cr, names(cr).influxdb, 'influxdb'),
    spec: {
      type: nodePort === undefined ? 'ClusterIP' : 'NodePort',
      selector: selectorLabels(cr, 'influxdb'),
      ports: [
        {
          name: 'http',
          port: INFLUX_PORT,
          targetPort: 'http',
          protocol: 'TCP',
          ...(nodePort === undefined ? {} : { nodePort }),
        },
      ],
    },
  };
};
