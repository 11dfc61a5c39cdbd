import type { KubernetesObject } from '@kubernetes/client-node';
import type { CryptoStream } from '../../api/v1alpha1/cryptostream.ts';
import { credentialsFrom, credentialsSecret } from '../../core/operator/influxdb/credentials.ts';
import type { Credentials } from '../../core/operator/influxdb/credentials.ts';
import {
  checkKey,
  grafanaTokenDescription,
  grafanaTokenDue,
  grafanaTokenStep,
  influxdbInstance,
} from '../../core/operator/influxdb/grafanaToken.ts';
import { endpointsOf, names } from '../../core/operator/names.ts';
import { createAuthorization, readInfluxState, removeAuthorization } from '../influx/authorizations.ts';
import type { Recorder } from './events.ts';
import type { Kube } from './kube.ts';
import { resourceOf } from './resources.ts';

/** The credentials to build the children from, and what went wrong asking InfluxDB (retried later). */
export type TokenOutcome = { readonly credentials: Credentials; readonly error?: string };

export type GrafanaTokens = {
  /**
   * The stream's credentials with Grafana's read-only InfluxDB token: once InfluxDB is ready (per `live`,
   * the stream's children and pods), the token stored in the Secret is checked against InfluxDB, made when
   * missing or unusable (and stored in the Secret before anything uses it), and leftovers are removed.
   */
  readonly ensure: (
    cr: CryptoStream,
    credentials: Credentials,
    live: readonly KubernetesObject[],
  ) => Promise<TokenOutcome>;
};

export type GrafanaTokenOptions = {
  readonly kube: Kube;
  readonly record: Recorder;
  /** Where the operator reaches a stream's InfluxDB: its Service's cluster DNS name (endpointsOf) by default. */
  readonly influxdbUrl?: (cr: CryptoStream) => string;
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Grafana's tokens, asked of each stream's InfluxDB with the stream's admin token over InfluxDB's HTTP API.
 * What was checked (stream uid → InfluxDB pod and token) is remembered for the life of the process, so a
 * converged stream costs InfluxDB nothing, and a restarted operator or InfluxDB pod checks once again.
 */
export const makeGrafanaTokens = (o: GrafanaTokenOptions): GrafanaTokens => {
  const urlOf = o.influxdbUrl ?? ((cr: CryptoStream) => endpointsOf(cr).influxdb);
  const checked = new Map<string, string>();
  const secret = resourceOf('v1', 'Secret');
  return {
    ensure: async (cr, cached, live) => {
      const { ready, instance } = influxdbInstance(cr, live);
      const uid = cr.metadata.uid ?? `${cr.metadata.namespace}/${cr.metadata.name}`;
      const due = (c: Credentials) =>
        grafanaTokenDue({
          grafana: cr.spec.grafana.enabled,
          influxdbReady: ready,
          stored: c.grafanaInfluxToken,
          checked: checked.get(uid),
          instance,
        });
      if (!due(cached)) return { credentials: cached };
      // The cache may not have seen the Secret a moment ago written with the token: read it from the API.
      const stored =
        cached.grafanaInfluxToken ??
        credentialsFrom(
          (
            await o.kube.get<KubernetesObject & { data?: Record<string, string> }>(
              secret,
              cr.metadata.namespace,
              names(cr).credentials,
            )
          )?.data,
        )?.grafanaInfluxToken;
      const credentials = stored === undefined ? cached : { ...cached, grafanaInfluxToken: stored };
      const admin = { url: urlOf(cr), token: credentials.influxToken };
      try {
        const step = grafanaTokenStep(
          grafanaTokenDescription(cr),
          stored,
          await readInfluxState(admin, cr.spec.influxdb.org),
        );
        if (step.kind === 'wait') return { credentials, error: `Grafana's InfluxDB token: ${step.reason}` };
        let next = credentials;
        if (step.kind === 'create') {
          const made = await createAuthorization(admin, step);
          next = { ...credentials, grafanaInfluxToken: made };
          await o.kube.apply(credentialsSecret(cr, next));
          await o.record(
            cr,
            'Normal',
            'InfluxDBTokenCreated',
            'Create',
            `InfluxDB made Grafana's read-only token (authorization ${made.id}), stored in Secret ${names(cr).credentials}`,
          );
        }
        for (const id of step.remove) await removeAuthorization(admin, id);
        checked.set(uid, checkKey(instance, next.grafanaInfluxToken!));
        return { credentials: next };
      } catch (e) {
        const error = `Grafana's InfluxDB token (${admin.url}): ${message(e)}`;
        await o.record(cr, 'Warning', 'InfluxDBTokenFailed', 'Create', error);
        return { credentials, error };
      }
    },
  };
};
