import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyRetention } from '../../../src/shell/influx/retention.ts';
import { dropRun, influxApi, newRun, type Run } from '../pipeline/harness.ts';

describe('bucket retention on the real InfluxDB', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
  });
  after(async () => {
    await dropRun(run);
  });

  it('changes the buckets that keep points for another time, and only those', async () => {
    const target = run.endpoints.influx;
    // newRun's buckets keep points forever.
    assert.deepEqual(await applyRetention(target, [run.raw, run.enriched], 0), []);
    assert.deepEqual(await applyRetention(target, [run.raw, run.enriched], 30), [run.raw, run.enriched]);
    assert.deepEqual(await applyRetention(target, [run.raw, run.enriched], 30), []);
    const listed = (await influxApi(target, 'GET', `/api/v2/buckets?org=${target.org}&name=${run.raw}`)) as {
      buckets: { retentionRules: { everySeconds: number }[] }[];
    };
    assert.equal(listed.buckets[0]!.retentionRules[0]!.everySeconds, 30 * 86_400);
    assert.deepEqual(await applyRetention(target, [run.raw], 0), [run.raw]);
    await assert.rejects(applyRetention(target, ['no_such_bucket'], 0), /no bucket no_such_bucket/);
  });
});
