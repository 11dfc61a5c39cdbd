import { randomInt } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { credentialsFrom, credentialsSecret } from '../../core/operator/influxdb/credentials.ts';
import type { Credentials } from '../../core/operator/influxdb/credentials.ts';
import { names } from '../../core/operator/names.ts';
import { ApiError } from './kube.ts';
import type { Kube } from './kube.ts';
import { resourceOf } from './resources.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random secret of letters and digits only (randomInt is uniform: log2(62) ≈ 5.95 bits a character).
 * Not base64url: its '-' and '_' reach command lines, and the InfluxDB image's entrypoint passes the
 * password as `influx setup --password <value>`, whose parser takes a value starting with '-' for a
 * flag; the setup then fails and the pod crash-loops (one stream in 64 did).
 */
export const generatedSecret = (length: number): string =>
  Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');

type SecretObject = KubernetesObject & { data?: Record<string, string> };

/**
 * The stream's credentials, generated exactly once. The cache may lag behind a Secret created moments
 * ago, so before generating, the Secret is read from the API; it is then created (not applied), and a
 * conflict means another writer won: its values are read back and used. Nothing here ever rotates them.
 */
export const credentialsOf = async (
  kube: Kube,
  cr: CryptoStream,
  cached: KubernetesObject | undefined,
): Promise<Credentials> => {
  const fromCache = credentialsFrom((cached as SecretObject | undefined)?.data);
  if (fromCache !== undefined) return fromCache;
  const res = resourceOf('v1', 'Secret');
  const name = names(cr).credentials;
  const live = credentialsFrom((await kube.get<SecretObject>(res, cr.metadata.namespace, name))?.data);
  if (live !== undefined) return live;
  const fresh: Credentials = {
    influxPassword: generatedSecret(33),
    influxToken: generatedSecret(65),
    grafanaPassword: generatedSecret(33),
  };
  try {
    await kube.create(credentialsSecret(cr, fresh));
    return fresh;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 409) throw e;
    const won = credentialsFrom((await kube.get<SecretObject>(res, cr.metadata.namespace, name))?.data);
    if (won === undefined)
      throw new Error(`Secret ${name} exists without the credentials keys; delete it to regenerate`, {
        cause: e,
      });
    return won;
  }
};
