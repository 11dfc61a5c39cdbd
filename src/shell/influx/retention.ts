import { retentionDiffers, retentionRules } from '../../core/influx/retention.ts';
import type { InfluxTarget } from './influx.ts';

type Bucket = {
  readonly id: string;
  readonly name: string;
  readonly retentionRules?: { everySeconds?: number }[];
};

const api = async (target: InfluxTarget, method: string, path: string, body?: unknown): Promise<unknown> => {
  const response = await fetch(new URL(path, target.url), {
    method,
    headers: { authorization: `Token ${target.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (method === 'GET' && response.status === 404) return undefined;
  if (!response.ok)
    throw new Error(`InfluxDB ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return text === '' ? undefined : JSON.parse(text);
};

/**
 * Gives each named bucket of the org the retention of `days` days (0: forever), changing only those that
 * differ; returns the names of the buckets it changed. The buckets are created at InfluxDB's first start
 * with the retention of that day: this is how a later change of the stream's retentionDays reaches them.
 */
export const applyRetention = async (
  target: InfluxTarget,
  buckets: readonly string[],
  days: number,
): Promise<string[]> => {
  const changed: string[] = [];
  for (const name of buckets) {
    const query = new URLSearchParams({ org: target.org, name });
    // InfluxDB answers 404 when no bucket has the name.
    const found = (await api(target, 'GET', `/api/v2/buckets?${query}`)) as
      { buckets?: Bucket[] } | undefined;
    const bucket = found?.buckets?.find((b) => b.name === name);
    if (bucket === undefined) throw new Error(`InfluxDB has no bucket ${name} in org ${target.org}`);
    if (!retentionDiffers(bucket.retentionRules, days)) continue;
    await api(target, 'PATCH', `/api/v2/buckets/${bucket.id}`, { retentionRules: retentionRules(days) });
    changed.push(name);
  }
  return changed;
};
