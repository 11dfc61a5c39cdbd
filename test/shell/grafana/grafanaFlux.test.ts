import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  goDuration,
  goRfc3339Nano,
  grafanaFlux,
  intervalToMs,
  replaceVariables,
  requestIntervalMs,
} from './grafanaFlux.ts';

const week = { from: new Date(Date.UTC(2024, 8, 16)), to: new Date(Date.UTC(2024, 8, 23)) };

describe("the tests' Grafana (Flux substitution)", () => {
  it("writes durations as Go's time.Duration.String()", () => {
    assert.deepEqual(
      [1, 500, 1000, 1500, 30_000, 60_000, 900_000, 3_600_000, 7_200_000, 86_400_000, 2_592_000_000].map(
        goDuration,
      ),
      ['1ms', '500ms', '1s', '1.5s', '30s', '1m0s', '15m0s', '1h0m0s', '2h0m0s', '24h0m0s', '720h0m0s'],
    );
  });

  it("writes times as Go's RFC3339Nano in UTC", () => {
    assert.equal(goRfc3339Nano(week.from), '2024-09-16T00:00:00Z');
    assert.equal(goRfc3339Nano(new Date(Date.UTC(2024, 8, 16, 1, 2, 3, 450))), '2024-09-16T01:02:03.45Z');
  });

  it("picks the request interval like Grafana's rangeutil: nice, and never below the panel's min interval", () => {
    const r = { ...week, variables: { interval: '15m' } };
    assert.equal(requestIntervalMs({ ...r, maxDataPoints: 1800 }), 300_000, '336 s → 5m');
    assert.equal(requestIntervalMs({ ...r, maxDataPoints: 1800, minInterval: '${interval}' }), 900_000);
    assert.equal(requestIntervalMs({ ...r, maxDataPoints: 100 }), 7_200_000, '6048 s → 2h');
    assert.deepEqual(
      ['10s', '15m', '1h', '1d', '1w', '500ms', '30'].map(intervalToMs),
      [10_000, 900_000, 3_600_000, 86_400_000, 604_800_000, 500, 30_000],
    );
  });

  it('replaces the variable syntaxes of templateSrv, leaving unknown and built-in names', () => {
    assert.equal(
      replaceVariables('$symbol ${symbol} [[symbol]] ${symbol:raw} $other $__interval ${__from}', {
        symbol: 'BTCUSDC',
      }),
      'BTCUSDC BTCUSDC BTCUSDC BTCUSDC $other $__interval ${__from}',
    );
    assert.equal(replaceVariables('r._field =~ /^rsi_[0-9]+$/', { rsi_: 'x' }), 'r._field =~ /^rsi_[0-9]+$/');
  });

  it("replaces the server's macros whatever the word before the dot, as macros.go does", () => {
    const flux = grafanaFlux(
      'range(start: v.timeRangeStart, stop: x.timeRangeStop) |> aggregateWindow(every: v.windowPeriod) r.bucket v.organization schema.tagValues $__interval_ms',
      { ...week, maxDataPoints: 100, variables: {}, datasource: { defaultBucket: 'b', organization: 'o' } },
    );
    assert.equal(
      flux,
      'range(start: 2024-09-16T00:00:00Z, stop: 2024-09-23T00:00:00Z) |> aggregateWindow(every: 2h0m0s) "b" "o" schema.tagValues 7200000',
    );
  });
});
