import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { InfluxDBUnreachable } from '../../../src/shell/cli/unreachable.ts';
import { awaitInfluxDB, probeInfluxDB } from '../../../src/shell/local/influxdb.ts';
import { services } from '../../support/services.ts';
import { deadPort } from '../../support/ports.ts';
import { fakeInfluxDB } from './fakes.ts';

describe('InfluxDB checked before local starts', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const fake = async (mode: Parameters<typeof fakeInfluxDB>[0]) => {
    const f = await fakeInfluxDB(mode);
    servers.push(f.server);
    return f.url;
  };

  it('the real InfluxDB of the local services: usable with its token and buckets', async () => {
    const { influx } = services();
    assert.deepEqual(await probeInfluxDB(influx, [influx.buckets.raw, influx.buckets.enriched]), {
      kind: 'ok',
    });
  });

  it('the real InfluxDB: a wrong token, organisation or bucket is refused at once, naming it', async () => {
    const { influx } = services();
    const refused = async (target: typeof influx, bucket: string, why: RegExp) => {
      const started = Date.now();
      await assert.rejects(awaitInfluxDB(target, [bucket], 10_000), (e: unknown) => {
        assert.ok(e instanceof InfluxDBUnreachable);
        assert.match(e.message, why);
        assert.ok(e.message.startsWith(`InfluxDB at ${influx.url} `), e.message);
        return true;
      });
      assert.ok(Date.now() - started < 2000, 'at once');
    };
    await refused(
      { ...influx, token: 'wrong' },
      influx.buckets.raw,
      /refused the token \(401: unauthorized access\)/,
    );
    await refused({ ...influx, org: 'nobody' }, influx.buckets.raw, /organization name "nobody" not found/);
    await refused(influx, 'no-such-bucket', /bucket "no-such-bucket" not found/);
  });

  it('nothing listening: tried again every second until the deadline, then one line with the last failure', async (t) => {
    const url = `http://127.0.0.1:${await deadPort(t)}`;
    const started = Date.now();
    await assert.rejects(awaitInfluxDB({ url, token: 't', org: 'o' }, ['b'], 2000), (e: unknown) => {
      assert.ok(e instanceof InfluxDBUnreachable);
      assert.match(
        e.message,
        new RegExp(`^InfluxDB at ${url} did not answer within 2 s \\(last failure: .*ECONNREFUSED`),
      );
      return true;
    });
    const ms = Date.now() - started;
    assert.ok(ms >= 2000 && ms < 4000, `${ms} ms`);
  });

  it('an InfluxDB that answers 503: not answering', async () => {
    const url = await fake('unavailable');
    const probe = await probeInfluxDB({ url, token: 't', org: 'o' }, ['b']);
    assert.equal(probe.kind, 'unanswered');
  });

  it('a stop while it waits ends the wait without an error', async (t) => {
    const url = `http://127.0.0.1:${await deadPort(t)}`;
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const started = Date.now();
    await awaitInfluxDB({ url, token: 't', org: 'o' }, ['b'], 30_000, stop.signal);
    assert.ok(Date.now() - started < 2000);
  });
});
