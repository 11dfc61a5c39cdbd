/**
 * Shared set-up of the Grafana query tests on the InfluxDB of `npm run services:up`: buckets of their own,
 * created before a test file's tests and deleted after them, the known points written to them, and Flux
 * run as Grafana's datasource runs it (the admin token, the services' org).
 */
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { InfluxDB } from '@influxdata/influxdb-client';
import { services } from '../../support/services.ts';

export const influx = services().influx;

/** A call to InfluxDB's HTTP API; the answer's JSON (failing on any other status). */
const api = async (method: string, path: string, body?: string, type = 'application/json') => {
  const r = await fetch(new URL(path, influx.url), {
    method,
    headers: { authorization: `Token ${influx.token}`, 'content-type': type },
    ...(body === undefined ? {} : { body }),
  });
  if (!r.ok) throw new Error(`InfluxDB ${method} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? undefined : ((await r.json()) as unknown);
};

/**
 * Buckets `<prefix><id>_<key>` (one id for the file): `create` makes them, in the order of `keys`, and is the
 * first step of the file's `before` hook (node does not run a file's top-level `before` hooks one after
 * another: a hook of their own would race the writes); an `after` hook deletes them.
 */
export const testBuckets = <K extends string>(
  prefix: string,
  keys: readonly K[],
): { readonly names: Readonly<Record<K, string>>; readonly create: () => Promise<void> } => {
  const id = randomUUID().slice(0, 8);
  const names = Object.fromEntries(keys.map((k) => [k, `${prefix}${id}_${k}`])) as Record<K, string>;
  const bucketIds: string[] = [];
  after(async () => {
    for (const b of bucketIds) await api('DELETE', `/api/v2/buckets/${b}`).catch(() => undefined);
  });
  const create = async (): Promise<void> => {
    const orgs = (await api('GET', `/api/v2/orgs?org=${encodeURIComponent(influx.org)}`)) as {
      orgs: { id: string }[];
    };
    for (const name of Object.values<string>(names)) {
      const b = (await api(
        'POST',
        '/api/v2/buckets',
        JSON.stringify({ orgID: orgs.orgs[0]!.id, name, retentionRules: [] }),
      )) as { id: string };
      bucketIds.push(b.id);
    }
  };
  return { names, create };
};

/** Writes line protocol (precision ms) to a bucket, 5000 lines a request. */
export const writeLines = async (bucket: string, lines: readonly string[]): Promise<void> => {
  for (let i = 0; i < lines.length; i += 5000)
    await api(
      'POST',
      `/api/v2/write?org=${encodeURIComponent(influx.org)}&bucket=${bucket}&precision=ms`,
      lines.slice(i, i + 5000).join('\n'),
      'text/plain; charset=utf-8',
    );
};

export type Row = Record<string, unknown>;

/** Runs Flux on the services' org; the rows of every table. */
export const query = (flux: string): Promise<Row[]> =>
  new InfluxDB({ url: influx.url, token: influx.token }).getQueryApi(influx.org).collectRows<Row>(flux);
