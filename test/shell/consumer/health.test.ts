import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerHealth } from '../../../src/shell/consumer/health.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('consumerHealth', () => {
  it('is ready only once joined and InfluxDB answered', () => {
    const h = consumerHealth();
    assert.equal(h.ready(), false);
    assert.match(h.reason(), /not joined/);
    h.joined();
    assert.equal(h.ready(), false);
    assert.match(h.reason(), /InfluxDB has not answered/);
    h.probed('');
    assert.equal(h.ready(), true);
    assert.equal(h.reason(), '');
    h.influxFailed('InfluxDB write answered 500');
    assert.equal(h.ready(), false);
    assert.equal(h.reason(), 'InfluxDB write answered 500');
    h.influxAnswered();
    assert.equal(h.ready(), true);
    h.stop();
  });

  it('lets no lookup say ready while a batch keeps failing on InfluxDB', () => {
    const h = consumerHealth();
    h.joined();
    h.failingBatch(1);
    h.influxFailed('InfluxDB write answered 503');
    assert.equal(h.probeDue(0), false);
    h.probed('');
    assert.equal(h.ready(), false);
    h.failingBatch(-1);
    assert.equal(h.probeDue(0), true);
    h.probed('');
    assert.equal(h.ready(), true);
    h.stop();
  });

  it('stays live through a crash kafkajs restarts from, not ready until it rejoined', () => {
    const h = consumerHealth();
    h.joined();
    h.probed('');
    h.crashed(new Error('KafkaJSNumberOfRetriesExceeded'), true);
    assert.equal(h.live(), true);
    assert.equal(h.ready(), false);
    assert.match(h.reason(), /restarting/);
    h.joined();
    assert.equal(h.ready(), true);
    h.stop();
  });

  it('dies on a crash kafkajs does not restart from, and on one it does not rejoin from in time', async () => {
    const fatal = consumerHealth();
    const error = new Error('KafkaJSNonRetriableError');
    fatal.crashed(error, false);
    assert.equal(fatal.live(), false);
    assert.equal(fatal.ready(), false);
    assert.equal(await fatal.fatal, error);
    assert.match(fatal.reason(), /crashed: KafkaJSNonRetriableError/);

    const stuck = consumerHealth(50);
    stuck.joined();
    stuck.crashed(new Error('lost the coordinator'), true);
    await sleep(100);
    assert.equal(stuck.live(), false);
    assert.match((await stuck.fatal).message, /not rejoined 0.05 s after a crash: lost the coordinator/);
  });
});
