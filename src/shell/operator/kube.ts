import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { MANAGER } from '../../core/operator/child.ts';
import { pathOf, resourceOf } from './resources.ts';
import type { Resource } from './resources.ts';

/**
 * A small JSON client for the Kubernetes API that keeps objects in wire form. client-node's typed
 * serialisation renames fields (`from` of a NetworkPolicy rule becomes `_from`, and is dropped when it is
 * not) and turns timestamps into Dates; the operator compares and applies raw JSON instead. Auth and
 * TLS come from the KubeConfig (`applyToHTTPSOptions`).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown, what: string) {
    const message = (body as { message?: string } | undefined)?.message;
    super(`${what}: ${status}${message === undefined ? '' : ` ${message}`}`);
    this.status = status;
    this.body = body;
  }
}

export type Response = {
  readonly status: number;
  readonly body: unknown;
  readonly warnings: readonly string[];
};

export type RemoveOptions = {
  readonly propagationPolicy?: 'Background' | 'Orphan';
  readonly uid?: string;
};

export type Kube = {
  readonly request: (method: string, path: string, body?: unknown, contentType?: string) => Promise<Response>;
  /** Server-side apply with the operator's field manager, taking over conflicting fields (`force`). */
  readonly apply: <T extends KubernetesObject>(
    o: T,
    opts?: { dryRun?: boolean; subresource?: 'status' },
  ) => Promise<T>;
  /**
   * Deletes, the dependents in the background (default) or orphaned (`Orphan`: they stay, without the owner
   * reference). With `uid`, only that very object: one re-created under the name since (409) is left, as one
   * already gone (404).
   */
  readonly remove: (o: KubernetesObject, opts?: RemoveOptions) => Promise<void>;
  readonly get: <T extends KubernetesObject>(
    res: Resource,
    namespace: string | undefined,
    name: string,
  ) => Promise<T | undefined>;
  readonly list: <T extends KubernetesObject>(
    res: Resource,
    namespace?: string,
    labelSelector?: string,
  ) => Promise<KubernetesListObject<T>>;
  readonly create: <T extends KubernetesObject>(o: T) => Promise<T>;
  readonly replace: <T extends KubernetesObject>(o: T) => Promise<T>;
  /** Counts every request that changes something on the server (for the write metrics and the benchmark). */
  readonly onWrite: (listener: (verb: string, o: KubernetesObject) => void) => void;
  /** Aborts the requests in flight and fails every later one: nothing this client sent still waits or writes. */
  readonly close: () => void;
};

export const makeKube = (kc: KubeConfig): Kube => {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const writeListeners: ((verb: string, o: KubernetesObject) => void)[] = [];
  const closed = new AbortController();

  const request = async (
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Response> => {
    const opts: RequestOptions = { method, headers: { Accept: 'application/json' }, signal: closed.signal };
    await kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined)
      opts.headers = {
        ...opts.headers,
        'Content-Type': contentType,
        'Content-Length': Buffer.byteLength(payload),
      };
    const url = new URL(path, server);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const warning = res.headers['warning'];
          const warnings = warning === undefined ? [] : Array.isArray(warning) ? warning : [warning];
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  };

  const ok = async (
    method: string,
    path: string,
    what: string,
    body?: unknown,
    contentType?: string,
  ): Promise<unknown> => {
    const res = await request(method, path, body, contentType);
    if (res.status < 200 || res.status > 299) throw new ApiError(res.status, res.body, what);
    return res.body;
  };

  const describe = (o: KubernetesObject) =>
    `${o.kind ?? ''} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const objectPath = (o: KubernetesObject) =>
    pathOf(resourceOf(o.apiVersion ?? '', o.kind ?? ''), o.metadata?.namespace, o.metadata?.name);
  const wrote = (verb: string, o: KubernetesObject) => writeListeners.forEach((l) => l(verb, o));

  return {
    request,
    apply: async (o, opts = {}) => {
      const query = new URLSearchParams({ fieldManager: MANAGER, force: 'true', fieldValidation: 'Strict' });
      if (opts.dryRun === true) query.set('dryRun', 'All');
      const sub = opts.subresource === undefined ? '' : `/${opts.subresource}`;
      const result = await ok(
        'PATCH',
        `${objectPath(o)}${sub}?${query}`,
        `apply ${describe(o)}${sub}`,
        o,
        'application/apply-patch+yaml',
      );
      if (opts.dryRun !== true) wrote(opts.subresource === 'status' ? 'apply-status' : 'apply', o);
      return result as typeof o;
    },
    remove: async (o, opts = {}) => {
      const res = await request('DELETE', objectPath(o), {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: opts.propagationPolicy ?? 'Background',
        ...(opts.uid === undefined ? {} : { preconditions: { uid: opts.uid } }),
      });
      const gone = res.status === 404 || (opts.uid !== undefined && res.status === 409);
      if (!gone && (res.status < 200 || res.status > 299))
        throw new ApiError(res.status, res.body, `delete ${describe(o)}`);
      wrote('delete', o);
    },
    get: async (res, namespace, name) => {
      const r = await request('GET', pathOf(res, namespace, name));
      if (r.status === 404) return undefined;
      if (r.status < 200 || r.status > 299)
        throw new ApiError(r.status, r.body, `get ${res.kind} ${namespace ?? ''}/${name}`);
      return r.body as never;
    },
    list: async (res, namespace, labelSelector) => {
      const query = labelSelector === undefined ? '' : `?${new URLSearchParams({ labelSelector })}`;
      return (await ok('GET', `${pathOf(res, namespace)}${query}`, `list ${res.kind}`)) as never;
    },
    create: async (o) => {
      const res = resourceOf(o.apiVersion ?? '', o.kind ?? '');
      const result = await ok(
        'POST',
        `${pathOf(res, o.metadata?.namespace)}?fieldManager=${MANAGER}`,
        `create ${describe(o)}`,
        o,
      );
      wrote('create', o);
      return result as typeof o;
    },
    replace: async (o) => {
      const result = await ok('PUT', `${objectPath(o)}?fieldManager=${MANAGER}`, `replace ${describe(o)}`, o);
      wrote('replace', o);
      return result as typeof o;
    },
    onWrite: (listener) => void writeListeners.push(listener),
    close: () => closed.abort(new Error('the Kubernetes client is closed')),
  };
};
