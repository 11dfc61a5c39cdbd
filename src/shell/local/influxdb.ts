import { InfluxDBUnreachable } from '../cli/unreachable.ts';
import type { InfluxTarget } from '../influx/influx.ts';
import { sleep } from '../observability/sleep.ts';

/** What one look at InfluxDB found: usable, refused for good (token, organisation, bucket), or not answering. */
type Probe = { readonly kind: 'ok' } | { readonly kind: 'refused' | 'unanswered'; readonly reason: string };

const innermost = (e: unknown): string => {
  let x = e;
  while (x instanceof Error && x.cause instanceof Error) x = x.cause;
  const inner = x instanceof Error ? x.message : String(x);
  const outer = e instanceof Error ? e.message : String(e);
  return inner === outer ? outer : `${outer}: ${inner}`;
};

/** One request per bucket (`GET /api/v2/buckets?org=…&name=…`): InfluxDB answers, takes the token, has the bucket. */
export const probeInfluxDB = async (
  target: InfluxTarget,
  buckets: readonly string[],
  timeoutMs = 5000,
): Promise<Probe> => {
  for (const bucket of buckets) {
    const url = new URL('/api/v2/buckets', target.url);
    url.searchParams.set('org', target.org);
    url.searchParams.set('name', bucket);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Token ${target.token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      return { kind: 'unanswered', reason: innermost(e) };
    }
    const body = await response.text().catch(() => '');
    let message = body.trim().slice(0, 200);
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // not JSON: the text as it is
    }
    if (response.status === 401 || response.status === 403)
      return { kind: 'refused', reason: `refused the token (${response.status}: ${message})` };
    if (response.status === 404)
      return { kind: 'refused', reason: `${message} (organisation ${JSON.stringify(target.org)})` };
    if (!response.ok) return { kind: 'unanswered', reason: `${response.status}: ${message}` };
    const found = (JSON.parse(body) as { buckets?: { name: string }[] }).buckets ?? [];
    if (!found.some((b) => b.name === bucket))
      return {
        kind: 'refused',
        reason: `bucket ${JSON.stringify(bucket)} not found (organisation ${JSON.stringify(target.org)})`,
      };
  }
  return { kind: 'ok' };
};

/**
 * Waits until InfluxDB answers and has the buckets, asking again every second until the deadline; throws
 * `InfluxDBUnreachable` naming the URL and the failure: at once when InfluxDB refuses the token or lacks
 * the organisation or a bucket, at the deadline when it does not answer. Returns early when `signal` aborts.
 */
export const awaitInfluxDB = async (
  target: InfluxTarget,
  buckets: readonly string[],
  deadlineMs = 20_000,
  signal?: AbortSignal,
): Promise<void> => {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (signal?.aborted === true) return;
    const probe = await probeInfluxDB(target, buckets, Math.max(100, Math.min(until - Date.now(), 5000)));
    if (probe.kind === 'ok') return;
    if (probe.kind === 'refused') throw new InfluxDBUnreachable(`InfluxDB at ${target.url} ${probe.reason}`);
    const wait = Math.min(1000, until - Date.now());
    if (wait <= 0)
      throw new InfluxDBUnreachable(
        `InfluxDB at ${target.url} did not answer within ${deadlineMs / 1000} s (last failure: ${probe.reason})`,
      );
    await sleep(wait, signal);
  }
};
