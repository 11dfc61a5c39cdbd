import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { metaFor } from '../child.ts';
import type { Child } from '../child.ts';
import { names } from '../names.ts';
import type { StoredToken } from './grafanaToken.ts';

/**
 * Generated secrets of a stream. The shell generates them once, when the Secret does not exist yet, and
 * afterwards reads them back from the Secret and passes them in: a reconcile never rotates them.
 */
export type Credentials = {
  readonly influxPassword: string;
  readonly influxToken: string;
  readonly grafanaPassword: string;
  /** Grafana's read-only InfluxDB token: InfluxDB makes it once it runs (grafanaToken.ts); unset until then. */
  readonly grafanaInfluxToken?: StoredToken;
};

export const SECRET_KEYS = {
  influxUser: 'influxdb-username',
  influxPassword: 'influxdb-password',
  influxToken: 'influxdb-token',
  grafanaUser: 'admin-user',
  grafanaPassword: 'admin-password',
  grafanaInfluxToken: 'grafana-influxdb-token',
  grafanaInfluxTokenId: 'grafana-influxdb-token-id',
} as const;

export const INFLUX_ADMIN = 'admin';
export const GRAFANA_ADMIN = 'admin';

const base64 = (s: string): string => btoa(s);

/** Reads credentials back from a Secret's `data` (base64); undefined when a key is missing. */
export const credentialsFrom = (
  data: Readonly<Record<string, string>> | undefined,
): Credentials | undefined => {
  const get = (key: string): string | undefined => (data?.[key] === undefined ? undefined : atob(data[key]));
  const influxPassword = get(SECRET_KEYS.influxPassword);
  const influxToken = get(SECRET_KEYS.influxToken);
  const grafanaPassword = get(SECRET_KEYS.grafanaPassword);
  if (influxPassword === undefined || influxToken === undefined || grafanaPassword === undefined)
    return undefined;
  const id = get(SECRET_KEYS.grafanaInfluxTokenId);
  const token = get(SECRET_KEYS.grafanaInfluxToken);
  return {
    influxPassword,
    influxToken,
    grafanaPassword,
    ...(id === undefined || token === undefined ? {} : { grafanaInfluxToken: { id, token } }),
  };
};

const withoutOwnerWhen = (keep: boolean, meta: Child['metadata']): Child['metadata'] => {
  if (!keep) return meta;
  const { ownerReferences: _, ...rest } = meta;
  return rest;
};

/**
 * The stream's Secret. `data` (not `stringData`) so the live object compares equal after convergence. With
 * `influxdb.retainOnDelete` it has no owner: it outlives the stream, like the database volume it opens.
 */
export const credentialsSecret = (cr: CryptoStream, c: Credentials): Child =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: withoutOwnerWhen(
      cr.spec.influxdb.retainOnDelete,
      metaFor(cr, names(cr).credentials, 'credentials'),
    ),
    type: 'Opaque',
    data: {
      [SECRET_KEYS.influxUser]: base64(INFLUX_ADMIN),
      [SECRET_KEYS.influxPassword]: base64(c.influxPassword),
      [SECRET_KEYS.influxToken]: base64(c.influxToken),
      [SECRET_KEYS.grafanaUser]: base64(GRAFANA_ADMIN),
      [SECRET_KEYS.grafanaPassword]: base64(c.grafanaPassword),
      ...(c.grafanaInfluxToken === undefined
        ? {}
        : {
            [SECRET_KEYS.grafanaInfluxToken]: base64(c.grafanaInfluxToken.token),
            [SECRET_KEYS.grafanaInfluxTokenId]: base64(c.grafanaInfluxToken.id),
          }),
    },
  }) as Child;
