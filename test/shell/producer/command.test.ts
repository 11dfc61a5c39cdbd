import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignCursor, lastClosedOpenTime } from '../../../src/core/binance/page.ts';
import { intervalMs, type Interval } from '../../../src/core/kline/interval.ts';
import { producerConfig, producerSpec } from '../../../src/shell/producer/command.ts';
import { backfillStart, type BackfillFrom } from '../../../src/shell/producer/markets.ts';
import { readSettings } from '../../../src/shell/observability/settings.ts';

const NOW = Date.UTC(2026, 10, 30, 11, 17, 23, 456);
const DAY = 86_400_000;

/** The producer's configuration from these variables (as the operator sets them), at NOW. */
const fromEnv = (env: Record<string, string>) => {
  const settings = readSettings([], producerSpec, env);
  assert.ok(settings.ok);
  return producerConfig(settings.value.values as Record<keyof typeof producerSpec, string | undefined>, NOW);
};

/** Closed candles from where the producer starts up to NOW. */
const closedCandles = (interval: Interval, from: BackfillFrom): number =>
  (lastClosedOpenTime(interval, NOW) - backfillStart(from, interval)) / intervalMs[interval] + 1;

describe('producer settings: the default backfill', () => {
  it('covers the warm-up of every default indicator at 1d: 34 closed days, not one', () => {
    const config = fromEnv({ CRYPTOSTREAM_INTERVALS: '1d' });
    assert.ok(config.ok);
    assert.equal(config.value.fromExplicit, false);
    assert.equal(closedCandles('1d', config.value.from), 34);
  });

  it('follows the indicators the consumers get (CRYPTOSTREAM_INDICATORS): adx 50 needs 100 candles', () => {
    const config = fromEnv({ CRYPTOSTREAM_INTERVALS: '1h', CRYPTOSTREAM_INDICATORS: '{"adx":50}' });
    assert.ok(config.ok);
    assert.equal(closedCandles('1h', config.value.from), 100);
  });

  it('is still the last 24 h when the warm-up fits in them', () => {
    for (const interval of ['1s', '1m', '15m'] as const) {
      const config = fromEnv({ CRYPTOSTREAM_INTERVALS: interval });
      assert.ok(config.ok);
      assert.equal(backfillStart(config.value.from, interval), alignCursor(interval, NOW - DAY), interval);
    }
  });

  it('gives each interval of one producer its own start: 1s the last 24 h, 1d 34 days', () => {
    const config = fromEnv({ CRYPTOSTREAM_INTERVALS: '1s,1d,1s' });
    assert.ok(config.ok);
    assert.deepEqual(config.value.intervals, ['1s', '1d']);
    assert.equal(backfillStart(config.value.from, '1s'), alignCursor('1s', NOW - DAY));
    assert.equal(closedCandles('1d', config.value.from), 34);
  });

  it('refuses a list with an interval Binance does not have, naming it', () => {
    assert.deepEqual(fromEnv({ CRYPTOSTREAM_INTERVALS: '1m,2m' }), {
      ok: false,
      error: '--intervals needs Binance intervals (1s 1m … 1w), got "2m"',
    });
  });

  it('gives way to --from, and refuses indicators that are not a configuration', () => {
    const config = fromEnv({
      CRYPTOSTREAM_INTERVALS: '1d',
      CRYPTOSTREAM_BACKFILL_FROM: '2025-01-01T00:00:00Z',
    });
    assert.ok(config.ok);
    assert.deepEqual(
      [backfillStart(config.value.from, '1d'), config.value.fromExplicit],
      [Date.UTC(2025, 0, 1), true],
    );
    const bad = fromEnv({ CRYPTOSTREAM_INTERVALS: '1d', CRYPTOSTREAM_INDICATORS: '{"adx":1}' });
    assert.deepEqual(bad, { ok: false, error: 'adx must be an integer from 2 to 1000, got 1' });
  });
});

describe('producer settings: InfluxDB (as the consumers name it)', () => {
  it('is off without a token', () => {
    const config = fromEnv({ CRYPTOSTREAM_INTERVALS: '1m' });
    assert.ok(config.ok);
    assert.equal(config.value.influx, undefined);
  });

  it('reads the raw bucket of CRYPTOSTREAM_INFLUX_* with a token', () => {
    const config = fromEnv({
      CRYPTOSTREAM_INTERVALS: '1m',
      CRYPTOSTREAM_INFLUX_URL: 'http://influxdb:8086',
      CRYPTOSTREAM_INFLUX_TOKEN: 'secret',
      CRYPTOSTREAM_INFLUX_ORG: 'markets',
      CRYPTOSTREAM_INFLUX_BUCKET_RAW: 'raw',
    });
    assert.ok(config.ok);
    assert.deepEqual(config.value.influx, {
      target: { url: 'http://influxdb:8086', token: 'secret', org: 'markets' },
      bucketRaw: 'raw',
    });
    const defaults = fromEnv({ CRYPTOSTREAM_INTERVALS: '1m', CRYPTOSTREAM_INFLUX_TOKEN: 'secret' });
    assert.ok(defaults.ok);
    assert.deepEqual(defaults.value.influx, {
      target: { url: 'http://127.0.0.1:8086', token: 'secret', org: 'cryptostream' },
      bucketRaw: 'marketdata_raw',
    });
  });
});
