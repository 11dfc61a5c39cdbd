import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startConsumer, type ConsumerHandle } from '../../../src/shell/consumer/consumer.ts';
import { serveWorkerHttp } from '../../../src/shell/observability/http.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { services } from '../../support/services.ts';
import {
  consumerConfig,
  countStored,
  dropRun,
  groupLag,
  newRun,
  publishCandles,
  quietLog,
  waitFor,
  type Run,
} from './harness.ts';
import { startInfluxProxy, type InfluxProxy } from './influxProxy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The consumer of a run behind the proxy (InfluxDB looked up every 300 ms while idle) and its probes. */
const start = async (run: Run, proxy: InfluxProxy) => {
  const config = consumerConfig(run, '15m');
  const consumer = await startConsumer(
    { ...config, influx: { ...config.influx, url: proxy.url }, influxProbeMs: 300 },
    quietLog(),
  );
  const server = await serveWorkerHttp(0, consumer.reason, () => (consumer.live() ? '' : consumer.reason()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, text: await response.text() };
  };
  return { consumer, probe, close: () => server.close() };
};

describe('consumer readiness: joined to its group and InfluxDB answering (real Kafka and InfluxDB)', () => {
  let run: Run;
  let proxy: InfluxProxy;
  let consumer: ConsumerHandle | undefined;
  before(async () => {
    run = await newRun();
    proxy = await startInfluxProxy(services().influx.url);
  });
  after(async () => {
    await consumer?.stop();
    await proxy.close();
    await dropRun(run).catch(() => undefined);
  });

  it('is not ready while InfluxDB never answered (joined to Kafka), ready once it answers, not ready again when it stops answering while idle', async () => {
    proxy.setDown(true);
    const c = await start(run, proxy);
    consumer = c.consumer;
    try {
      // startConsumer resolves once the member joined its group: only InfluxDB is missing.
      await waitFor('InfluxDB looked up and refused', async () => proxy.refused() >= 3);
      assert.equal(c.consumer.ready(), false);
      const notReady = await c.probe('/readyz');
      assert.equal(notReady.status, 503);
      assert.match(notReady.text, /InfluxDB/);
      assert.equal((await c.probe('/healthz')).status, 200, 'alive: the process waits for InfluxDB');
      proxy.setDown(false);
      await waitFor('ready', async () => c.consumer.ready(), 10_000);
      assert.deepEqual(await c.probe('/readyz'), { status: 200, text: 'ok\n' });
      proxy.setDown(true);
      await waitFor('not ready once InfluxDB stops answering', async () => !c.consumer.ready(), 10_000);
      assert.equal((await c.probe('/readyz')).status, 503);
      proxy.setDown(false);
      await waitFor('ready again', async () => c.consumer.ready(), 10_000);
    } finally {
      c.close();
    }
  });

  it('is not ready while every write fails although InfluxDB answers lookups, and commits nothing meanwhile', async () => {
    assert.ok(consumer !== undefined);
    proxy.setWriteStatus(503);
    const candles = fifteenMinuteWeek('BTCUSDC').slice(0, 200);
    await publishCandles(run, '15m', candles);
    await waitFor('a refused write', async () => !consumer!.ready(), 10_000);
    // Lookups (every 300 ms while idle) would pass: the failing writes keep it not ready.
    for (let i = 0; i < 10; i++) {
      assert.equal(consumer.ready(), false, consumer.reason());
      await sleep(300);
    }
    assert.match(consumer.reason(), /503/);
    assert.equal(await groupLag(run, '15m'), candles.length, 'nothing committed');
    proxy.setWriteStatus(undefined);
    await waitFor('stored', async () => (await countStored(run, '15m', 'raw')) === candles.length);
    await waitFor('committed', async () => (await groupLag(run, '15m')) === 0);
    await waitFor('ready', async () => consumer!.ready(), 10_000);
  });
});
