import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerConfig, deriveSetting } from '../../../src/shell/consumer/command.ts';

const values = {
  interval: '15m',
  'kafka-brokers': '127.0.0.1:9092',
  'kafka-tls': undefined,
  'kafka-ca-file': undefined,
  'kafka-sasl-mechanism': undefined,
  'kafka-sasl-username': undefined,
  'kafka-sasl-password': undefined,
  'kafka-connect-timeout': undefined,
  'topic-prefix': 'prices-',
  'topic-partitions': '4',
  'topic-retention-ms': undefined,
  'topic-replication-factor': undefined,
  group: undefined,
  'influx-url': 'http://127.0.0.1:8086',
  'influx-token': 'token',
  'influx-org': 'cryptostream',
  'bucket-raw': 'marketdata_raw',
  'bucket-enriched': 'marketdata_enriched',
  'retention-days': undefined,
  indicators: undefined,
  derive: undefined,
  alerts: '[]',
  'alerts-topic': undefined,
  'max-batch-bytes': '1048576',
  'snapshot-every': '60',
  'session-timeout': '30',
  'influx-timeout': '60',
  'http-port': '8080',
  'log-level': 'info',
};

describe('consumer settings', () => {
  it("resolves this interval's alerts (the operator's CRYPTOSTREAM_ALERTS), refusing what the API would", () => {
    const alerts = JSON.stringify([
      { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 70000, interval: '15m' },
      { name: 'eth-rsi', symbol: 'ETHUSDC', field: 'rsi', below: 30, interval: '15m' },
      { name: 'btc-daily', symbol: 'BTCUSDC', field: 'change', window: 4, above: 1, interval: '1h' },
    ]);
    const c = consumerConfig({ ...values, alerts });
    assert.ok(c.ok, JSON.stringify(c));
    assert.deepEqual(
      c.value.alerts?.map((r) => [r.name, r.source]),
      [
        ['btc-high', 'close'],
        ['eth-rsi', 'rsi_14'],
      ],
    );
    assert.deepEqual(consumerConfig({ ...values, alerts: '{}' }), {
      ok: false,
      error: '--alerts needs a JSON array of alerts, got "{}"',
    });
    const twice = consumerConfig({
      ...values,
      alerts: JSON.stringify([
        { name: 'a', symbol: 'BTCUSDC', field: 'close', above: 1 },
        { name: 'a', symbol: 'BTCUSDC', field: 'close', above: 2 },
      ]),
    });
    assert.deepEqual(twice, { ok: false, error: '--alerts: alert "a" is declared twice' });
  });

  it('derives nothing by default and takes coarser whole multiples', () => {
    const c = consumerConfig(values);
    assert.deepEqual(c.ok && c.value.derive, []);
    assert.deepEqual(deriveSetting('15m', '1h, 1d'), { ok: true, value: ['1h', '1d'] });
  });

  it('saves state snapshots every 60 candles per symbol unless told otherwise', () => {
    const c = consumerConfig(values);
    assert.equal(c.ok && c.value.snapshotEvery, 60);
    const every = consumerConfig({ ...values, 'snapshot-every': '1' });
    assert.equal(every.ok && every.value.snapshotEvery, 1);
    const none = consumerConfig({ ...values, 'snapshot-every': '0' });
    assert.ok(!none.ok && none.error.includes('--snapshot-every'), JSON.stringify(none));
  });

  it("leaves the buckets' retention alone unless --retention-days (0: forever) is given", () => {
    const none = consumerConfig(values);
    assert.equal(none.ok && 'retentionDays' in none.value, false);
    const forever = consumerConfig({ ...values, 'retention-days': '0' });
    assert.equal(forever.ok && forever.value.retentionDays, 0);
    const bad = consumerConfig({ ...values, 'retention-days': '7d' });
    assert.ok(!bad.ok && bad.error.includes('--retention-days'), JSON.stringify(bad));
  });

  it('names what is wrong with --derive and --max-batch-bytes', () => {
    assert.deepEqual(deriveSetting('15m', '7m'), { ok: false, error: '--derive: not an interval: "7m"' });
    const finer = deriveSetting('1h', '15m');
    assert.ok(!finer.ok && finer.error.includes('15m'), JSON.stringify(finer));
    const small = consumerConfig({ ...values, 'max-batch-bytes': '10' });
    assert.deepEqual(small, { ok: false, error: '--max-batch-bytes must be at least 1024, got 10' });
  });

  it('bounds InfluxDB requests (60 s) and takes the session timeout (30 s) in seconds, at least the broker minimum of 6', () => {
    const c = consumerConfig(values);
    assert.equal(c.ok && c.value.influxTimeoutMs, 60_000);
    assert.equal(c.ok && c.value.sessionTimeoutMs, 30_000);
    const slow = consumerConfig({ ...values, 'session-timeout': '45', 'influx-timeout': '90' });
    assert.deepEqual(slow.ok && [slow.value.sessionTimeoutMs, slow.value.influxTimeoutMs], [45_000, 90_000]);
    const short = consumerConfig({ ...values, 'session-timeout': '3' });
    assert.ok(!short.ok && short.error.includes('--session-timeout'), JSON.stringify(short));
    const none = consumerConfig({ ...values, 'influx-timeout': '0' });
    assert.ok(!none.ok && none.error.includes('--influx-timeout'), JSON.stringify(none));
  });
});
