import type {
  Authorization,
  InfluxState,
  Permission,
  StoredToken,
} from '../../core/operator/influxdb/grafanaToken.ts';
import { BUCKET_ENRICHED, BUCKET_RAW } from '../../core/operator/names.ts';

/** An InfluxDB 2 API and a token allowed to manage it (the stream's admin token). */
export type InfluxAdmin = { readonly url: string; readonly token: string };

const TIMEOUT_MS = 10_000;

/** One API call; undefined for a 404 when `missing` allows it, the parsed JSON body otherwise. */
const call = async <T>(
  admin: InfluxAdmin,
  method: string,
  path: string,
  body?: unknown,
  missing: 'allowed' | 'error' = 'error',
): Promise<T | undefined> => {
  const response = await fetch(new URL(path, admin.url), {
    method,
    headers: {
      authorization: `Token ${admin.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status === 404 && missing === 'allowed') return undefined;
  if (!response.ok)
    throw new Error(
      `InfluxDB ${method} ${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  return text === '' ? undefined : (JSON.parse(text) as T);
};

const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();

/** The org's ID, the stream's two buckets (those that exist) and every authorization of the org. */
export const readInfluxState = async (admin: InfluxAdmin, org: string): Promise<InfluxState> => {
  const orgs = await call<{ orgs: { id: string }[] }>(admin, 'GET', `/api/v2/orgs?${query({ org })}`);
  const orgID = orgs?.orgs[0]?.id;
  if (orgID === undefined) throw new Error(`InfluxDB has no org ${org}`);
  const bucket = async (name: string) => {
    const found = await call<{ buckets: { id: string; name: string }[] }>(
      admin,
      'GET',
      `/api/v2/buckets?${query({ orgID, name })}`,
      undefined,
      'allowed',
    );
    const id = found?.buckets.find((b) => b.name === name)?.id;
    return id === undefined ? [] : [[name, id] as const];
  };
  const buckets = Object.fromEntries(
    (await Promise.all([bucket(BUCKET_RAW), bucket(BUCKET_ENRICHED)])).flat(),
  );
  const listed = await call<{ authorizations: Authorization[] }>(
    admin,
    'GET',
    `/api/v2/authorizations?${query({ orgID })}`,
  );
  const authorizations = (listed?.authorizations ?? []).map((a) => ({
    id: a.id,
    description: a.description ?? '',
    status: a.status,
    permissions: a.permissions.map((p) => ({
      action: p.action,
      resource: {
        type: p.resource.type,
        ...(p.resource.id === undefined ? {} : { id: p.resource.id }),
        ...(p.resource.orgID === undefined ? {} : { orgID: p.resource.orgID }),
      },
    })),
  }));
  return { orgID, buckets, authorizations };
};

/** A new authorization; InfluxDB picks the token, returned only now (2.9 keeps only its hash). */
export const createAuthorization = async (
  admin: InfluxAdmin,
  a: { readonly orgID: string; readonly description: string; readonly permissions: readonly Permission[] },
): Promise<StoredToken> => {
  const created = await call<{ id: string; token: string }>(admin, 'POST', '/api/v2/authorizations', {
    orgID: a.orgID,
    description: a.description,
    status: 'active',
    permissions: a.permissions,
  });
  if (created?.id === undefined || created.token === undefined)
    throw new Error('InfluxDB created an authorization but returned no token');
  return { id: created.id, token: created.token };
};

/** Deletes an authorization; one already gone is fine. */
export const removeAuthorization = async (admin: InfluxAdmin, id: string): Promise<void> => {
  await call(admin, 'DELETE', `/api/v2/authorizations/${encodeURIComponent(id)}`, undefined, 'allowed');
};
