import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alertRules, type EnrichedCandle } from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig } from '../../../src/core/indicators/index.ts';
import { consumerAlerts } from '../../../src/shell/consumer/alerts.ts';
import { dropRun, newRun, quietLog, type Run } from '../pipeline/harness.ts';

const QUARTER = 900_000;
const T0 = Date.UTC(2024, 8, 16);

const candle = (symbol: string, i: number, close: number): EnrichedCandle => ({
  symbol,
  interval: '15m',
  openTime: T0 + i * QUARTER,
  close: close.toFixed(8),
  volume: '1.00000000',
  indicators: {},
});

describe('consumerAlerts: the alert state of batches stored concurrently (real InfluxDB)', () => {
  let run: Run;
  before(async () => (run = await newRun()));
  after(() => dropRun(run).catch(() => undefined));

  it("keeps each batch's symbols' state whatever order the batches of other partitions commit in", async () => {
    const rules = alertRules({
      alerts: [
        { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 100, interval: '15m' },
        { name: 'eth-high', symbol: 'ETHUSDC', field: 'close', above: 100, interval: '15m' },
      ],
      intervals: ['15m'],
      indicators: defaultIndicatorConfig,
    });
    assert.ok(rules.ok);
    const storage = { influx: run.endpoints.influx, bucketEnriched: run.enriched };
    const alerts = consumerAlerts(rules.value, '15m', 'unused', undefined as never, storage, quietLog());
    // Two partitions' batches evaluated from the same state, as kafkajs hands them over concurrently;
    // their writes end in the other order. BTC crosses 100 in the first.
    const btc = await alerts.evaluate([candle('BTCUSDC', 0, 50), candle('BTCUSDC', 1, 150)], {});
    const eth = await alerts.evaluate([candle('ETHUSDC', 0, 50)], {});
    assert.deepEqual(
      btc.alerts.map((a) => a.rule),
      ['btc-high'],
    );
    alerts.commit(btc);
    alerts.commit(eth);
    // BTC stays above (no crossing); ETH crosses now. A state that forgot BTC's last close fires it again.
    const next = await alerts.evaluate([candle('BTCUSDC', 2, 160), candle('ETHUSDC', 1, 150)], {});
    assert.deepEqual(
      next.alerts.map((a) => a.rule),
      ['eth-high'],
    );
  });
});
