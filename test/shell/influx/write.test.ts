import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  collect,
  InfluxUnavailable,
  probeBucket,
  writeBodies,
  writePoints,
  type InfluxTarget,
} from '../../../src/shell/influx/influx.ts';
import { bodiesOf } from '../../../src/core/points/lineBodies.ts';
import { dropRun, influxApi, newRun, type Run } from '../pipeline/harness.ts';

const HOUR = 3_600_000;

/** A server that accepts connections and never answers. */
const silentServer = async (): Promise<{ target: InfluxTarget; server: Server }> => {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { target: { url: `http://127.0.0.1:${port}`, token: 't', org: 'o' }, server };
};

describe('writePoints, probeBucket, collect (real InfluxDB)', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
    const { influx } = run.endpoints;
    const found = (await influxApi(influx, 'GET', `/api/v2/buckets?name=${run.raw}`)) as {
      buckets: { id: string }[];
    };
    await influxApi(influx, 'PATCH', `/api/v2/buckets/${found.buckets[0]!.id}`, {
      retentionRules: [{ type: 'expire', everySeconds: 3600, shardGroupDurationSeconds: 3600 }],
    });
  });
  after(() => dropRun(run));

  it('returns the lines InfluxDB refused (outside the retention, a field of another type) and stores the others', async () => {
    const now = Date.now();
    const line = (coin: string, time: number, close = '1.5') =>
      `kline,coin=${coin},interval=15m,type=raw close=${close} ${time}`;
    const lines = [
      line('A', now - 3 * HOUR),
      line('A', now - 60_000),
      line('B', now - 2 * HOUR),
      line('B', now - 120_000),
      line('C', now - 5 * HOUR),
      line('C', now - 4 * HOUR),
      line('C', now - 180_000),
    ];
    const refused = await writePoints(run.endpoints.influx, run.raw, lines);
    assert.deepEqual(
      refused.map((r) => r.line),
      [lines[0], lines[2], lines[4], lines[5]],
    );
    for (const r of refused)
      assert.match(r.reason, /^dropped \d+ points outside retention policy of duration 1h0m0s$/);
    const stored = await collect(
      run.endpoints.influx,
      `from(bucket: "${run.raw}") |> range(start: -1d) |> filter(fn: (r) => r._field == "close") |> group() |> count()`,
    );
    assert.equal(stored[0]?.['_value'], 3);

    const conflict = await writePoints(run.endpoints.influx, run.raw, [
      line('A', now - 10_000, '2i'),
      line('A', now - 20_000),
    ]);
    assert.equal(conflict.length, 1);
    assert.match(
      conflict[0]!.reason,
      /field type conflict: input field "close" on measurement "kline" is type integer/,
    );
  });

  it('writes bodies written as bytes (UTF-8 included) as it writes text, and finds their refused lines', async () => {
    const now = Date.now();
    const lines = [
      `kline,coin=É€,interval=15m,type=raw close=2.5 ${now - 2 * HOUR}`,
      `kline,coin=É€,interval=15m,type=raw close=2.5 ${now - 30_000}`,
      `kline,coin=É€,interval=15m,type=raw close=3.5 ${now - 40_000}`,
    ];
    const refused = await writeBodies(run.endpoints.influx, run.raw, bodiesOf(lines).bodies);
    assert.deepEqual(
      refused.map((r) => r.line),
      [lines[0]],
    );
    const stored = await collect(
      run.endpoints.influx,
      `from(bucket: "${run.raw}") |> range(start: -1d) |> filter(fn: (r) => r.coin == "É€") |> keep(columns: ["_value"])`,
    );
    assert.deepEqual(
      stored.map((r) => r['_value']),
      [3.5, 2.5],
    );
  });

  it('looks a bucket up, and says which is missing', async () => {
    await probeBucket(run.endpoints.influx, run.raw);
    await assert.rejects(probeBucket(run.endpoints.influx, `${run.raw}_none`), (e) => {
      assert.ok(e instanceof InfluxUnavailable);
      assert.match(e.message, /no bucket|404/);
      return true;
    });
    await assert.rejects(probeBucket({ ...run.endpoints.influx, token: 'wrong' }, run.raw), (e) => {
      assert.ok(e instanceof InfluxUnavailable);
      assert.equal(e.status, 401);
      return true;
    });
  });

  it('bounds every request: a write, a lookup and a query InfluxDB does not answer fail as InfluxUnavailable after the timeout, or at once on abort', async () => {
    const { target, server } = await silentServer();
    try {
      const started = Date.now();
      await assert.rejects(writePoints(target, 'b', ['m x=1 1'], { timeoutMs: 300 }), InfluxUnavailable);
      await assert.rejects(probeBucket(target, 'b', { timeoutMs: 300 }), InfluxUnavailable);
      await assert.rejects(collect(target, 'buckets()', { timeoutMs: 300 }), InfluxUnavailable);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 3000, `${elapsed} ms`);
      const abort = new AbortController();
      const query = collect(target, 'buckets()', { signal: abort.signal });
      setTimeout(() => abort.abort(new Error('rebalance')), 100);
      await assert.rejects(query, /rebalance/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
