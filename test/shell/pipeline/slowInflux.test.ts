import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { services } from '../../support/services.ts';
import {
  asRow,
  capturingLog,
  consumerConfig,
  dropRun,
  expectedPoints,
  groupLag,
  newRun,
  publishCandles,
  storedPoints,
  waitFor,
  type Run,
} from './harness.ts';
import { startInfluxProxy, type InfluxProxy } from './influxProxy.ts';

/**
 * The ratio of the incident (30 s session timeout, InfluxDB answering in 40 s) at a third of the scale:
 * a 10 s session timeout and every InfluxDB answer held 13 s.
 */
const SESSION_TIMEOUT_MS = 10_000;
const DELAY_MS = 13_000;

describe('a slow InfluxDB (every answer 1.3 × the session timeout): no eviction loop (real Kafka and InfluxDB)', () => {
  let run: Run;
  let proxy: InfluxProxy;
  before(async () => {
    run = await newRun();
    proxy = await startInfluxProxy(services().influx.url);
  });
  after(async () => {
    await proxy.close();
    await dropRun(run).catch(() => undefined);
  });

  it('heartbeats while waiting: one group join, no retry, every candle stored once and committed', async () => {
    const symbols = ['BTCUSDC', 'ETHUSDC'];
    const candles = new Map(symbols.map((s) => [s, fifteenMinuteWeek(s)]));
    await publishCandles(run, '15m', [...candles.values()].flat());
    proxy.setDelay(DELAY_MS);
    const config = consumerConfig(run, '15m');
    const { log, records } = capturingLog('info');
    const started = Date.now();
    const consumer = await startConsumer(
      { ...config, influx: { ...config.influx, url: proxy.url }, sessionTimeoutMs: SESSION_TIMEOUT_MS },
      log,
    );
    try {
      await waitFor('the whole topic committed', async () => (await groupLag(run, '15m')) === 0, 240_000);
      process.stderr.write(
        `# ${2 * 672} candles committed in ${Date.now() - started} ms, ${proxy.forwarded()} InfluxDB requests\n`,
      );
      const messages = records.map((r) => String(r['msg']));
      assert.equal(messages.filter((m) => m === 'partitions assigned').length, 1, 'joined once');
      assert.deepEqual(
        messages.filter((m) => /not stored|abandoned|rebalanc|crashed/i.test(m)),
        [],
        'no retry, no rebalance',
      );
      assert.ok(consumer.ready(), consumer.reason());
    } finally {
      await consumer.stop();
    }
    for (const [symbol, list] of candles) {
      const expected = expectedPoints(list);
      assert.deepEqual(await storedPoints(run, symbol, '15m', 'raw'), expected.raw.map(asRow), symbol);
      assert.deepEqual(
        await storedPoints(run, symbol, '15m', 'enriched'),
        expected.enriched.map(asRow),
        symbol,
      );
    }
  });
});
