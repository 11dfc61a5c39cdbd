import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { HttpError, InfluxDB, Point } from '@influxdata/influxdb-client';
import { services } from '../../support/services.ts';

// Each test reads the endpoints itself, so that without the servers every test fails with the reason.
const connect = (token?: string) => {
  const { influx } = services();
  return { influx, client: new InfluxDB({ url: influx.url, token: token ?? influx.token }) };
};

describe('local InfluxDB 2 (@influxdata/influxdb-client)', () => {
  it('writes a point through /api/v2/write and reads it back with Flux', async () => {
    const { influx, client } = connect();
    const run = randomUUID();
    const writer = client.getWriteApi(influx.org, influx.buckets.raw, 's');
    writer.writePoint(
      new Point('smoke')
        .tag('run', run)
        .tag('coin', 'BTCUSDT')
        .floatField('close', 97000.5)
        .timestamp(1_700_000_000),
    );
    await writer.close();

    const rows = await client.getQueryApi(influx.org).collectRows<Record<string, unknown>>(`
      from(bucket: "${influx.buckets.raw}")
        |> range(start: 2023-11-14T00:00:00Z, stop: 2023-11-15T00:00:00Z)
        |> filter(fn: (r) => r._measurement == "smoke" and r.run == "${run}")`);

    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.['_field'], 'close');
    assert.equal(rows[0]?.['_value'], 97000.5);
    assert.equal(rows[0]?.['coin'], 'BTCUSDT');
    assert.equal(rows[0]?.['_time'], '2023-11-14T22:13:20Z');
  });

  it('has the raw and enriched buckets of the pipeline in its org', async () => {
    const { influx, client } = connect();
    const rows = await client
      .getQueryApi(influx.org)
      .collectRows<{ name: string }>(
        'buckets() |> filter(fn: (r) => r.name =~ /^marketdata_/) |> keep(columns: ["name"])',
      );
    assert.deepEqual(rows.map((r) => r.name).sort(), [influx.buckets.enriched, influx.buckets.raw]);
  });

  it('rejects a write with an unknown token as unauthorized', async () => {
    const { influx, client } = connect('not-a-token');
    const writer = client.getWriteApi(influx.org, influx.buckets.raw, 's', { maxRetries: 0 });
    writer.writePoint(new Point('smoke').floatField('close', 1).timestamp(1_700_000_000));
    await assert.rejects(writer.close(), (error: unknown) => {
      assert.ok(error instanceof HttpError, String(error));
      assert.equal(error.statusCode, 401);
      return true;
    });
  });
});
